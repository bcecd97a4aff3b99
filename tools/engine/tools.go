//go:build tools

// Package tools pins the Pulumi CLI (engine) that tools/engine/build compiles.
//
// Pulumi's Python language host module
// (github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3) is not
// served by the Go module proxy these machines reach, so it is not pinned
// here; ./cmd/pulumi-language-python replaces it, built from the SDK module of
// the same Pulumi version.
package tools

import (
	_ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
)
