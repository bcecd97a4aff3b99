// Command cf-billing-gen-sdk generates the TypeScript, Go and Python SDKs of the cf-billing provider from
// its schema (pulumi_cf_billing/provider/schema.json), with Pulumi's own code generators from the
// github.com/pulumi/pulumi/pkg/v3 module that tools/engine pins.
//
// Why not `pulumi package gen-sdk`: it runs each language's plugin (pulumi-language-nodejs, -go),
// whose Go modules the module proxy reachable here refuses; the generators themselves live in pkg/v3.
// C# is left out: its generator lives with pulumi-language-dotnet, refused the same way.
//
// Usage: cf-billing-gen-sdk SCHEMA VERSION OUT_DIR
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	"github.com/pulumi/pulumi/pkg/v3/codegen/nodejs"
	"github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

const tool = "cf-billing-gen-sdk"

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: cf-billing-gen-sdk SCHEMA VERSION OUT_DIR")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2], os.Args[3]); err != nil {
		fmt.Fprintln(os.Stderr, "cf-billing-gen-sdk:", err)
		os.Exit(1)
	}
}

func run(schemaPath, version, out string) error {
	raw, err := os.ReadFile(schemaPath)
	if err != nil {
		return err
	}
	var spec schema.PackageSpec
	if err := json.Unmarshal(raw, &spec); err != nil {
		return fmt.Errorf("reading %s: %w", schemaPath, err)
	}
	spec.Version = version
	generators := map[string]func() (map[string][]byte, error){
		"nodejs": func() (map[string][]byte, error) {
			pkg, err := bind(spec)
			if err != nil {
				return nil, err
			}
			return nodejs.GeneratePackage(tool, pkg, nil, nil, false, nil)
		},
		"go": func() (map[string][]byte, error) {
			pkg, err := bind(spec)
			if err != nil {
				return nil, err
			}
			return gogen.GeneratePackage(tool, pkg, nil)
		},
		"python": func() (map[string][]byte, error) {
			pkg, err := bind(spec)
			if err != nil {
				return nil, err
			}
			return python.GeneratePackage(tool, pkg, nil, nil)
		},
	}
	for _, language := range []string{"nodejs", "go", "python"} {
		files, err := generators[language]()
		if err != nil {
			return fmt.Errorf("generating the %s SDK: %w", language, err)
		}
		for name, content := range files {
			path := filepath.Join(out, language, name)
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(path, content, 0o644); err != nil {
				return err
			}
		}
	}
	return nil
}

// bind checks the schema and binds it; each generator gets its own bound package, as it records
// its language's options on it.
func bind(spec schema.PackageSpec) (*schema.Package, error) {
	return schema.ImportSpec(spec, nil, schema.NewNullLoader(), schema.ValidationOptions{})
}
