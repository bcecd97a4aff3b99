//go:build tools

// Package tools pins the YAML language host that tools/engine/build compiles from this module.
package tools

import _ "github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml"
