// Command sdkgen writes the Python, TypeScript and Go SDKs of the awsbackup provider from its
// schema, with Pulumi's own code generators (the pkg/v3 module of the pinned CLI version).
//
//	go run . -schema ../../schema/schema.json -out ../../sdk
//
// Each language's folder under -out ends up holding exactly what the generator writes (files it
// no longer writes are removed), apart from the build outputs the SDKs' .gitignore files name.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/blang/semver"
	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	"github.com/pulumi/pulumi/pkg/v3/codegen/nodejs"
	"github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

const tool = "awsbackup-sdkgen"

// noDependencies is the schema loader: the package refers to no other Pulumi package, so any
// request to load one is an error in the schema.
type noDependencies struct{}

var errNoDependencies = errors.New("the awsbackup schema refers to no other package")

func (noDependencies) LoadPackage(string, *semver.Version) (*schema.Package, error) {
	return nil, errNoDependencies
}

func (noDependencies) LoadPackageV2(context.Context, *schema.PackageDescriptor) (*schema.Package, error) {
	return nil, errNoDependencies
}

func (noDependencies) LoadPackageReference(string, *semver.Version) (schema.PackageReference, error) {
	return nil, errNoDependencies
}

func (noDependencies) LoadPackageReferenceV2(
	context.Context, *schema.PackageDescriptor,
) (schema.PackageReference, error) {
	return nil, errNoDependencies
}

func main() {
	schemaPath := flag.String("schema", "schema/schema.json", "the provider's schema")
	out := flag.String("out", "sdk", "the folder that receives python/, nodejs/ and go/")
	flag.Parse()
	if err := run(*schemaPath, *out); err != nil {
		fmt.Fprintln(os.Stderr, "sdkgen:", err)
		os.Exit(1)
	}
}

func run(schemaPath, out string) error {
	raw, err := os.ReadFile(schemaPath)
	if err != nil {
		return err
	}
	var spec schema.PackageSpec
	if err := json.Unmarshal(raw, &spec); err != nil {
		return fmt.Errorf("%s: %w", schemaPath, err)
	}
	loader := noDependencies{}
	pkg, diags, err := schema.BindSpec(spec, loader, schema.ValidationOptions{})
	if err != nil {
		return err
	}
	if diags.HasErrors() {
		return fmt.Errorf("%s does not bind: %s", schemaPath, diags.Error())
	}

	if err := pkg.ImportLanguages(map[string]schema.Language{"go": gogen.Importer}); err != nil {
		return err
	}
	py, err := python.GeneratePackage(tool, pkg, nil, loader)
	if err != nil {
		return fmt.Errorf("python: %w", err)
	}
	if err := replace(filepath.Join(out, "python"), py); err != nil {
		return err
	}
	js, err := nodejs.GeneratePackage(tool, pkg, nil, nil, false, loader)
	if err != nil {
		return fmt.Errorf("nodejs: %w", err)
	}
	if err := replace(filepath.Join(out, "nodejs"), js); err != nil {
		return err
	}
	golang, err := gogen.GeneratePackage(tool, pkg, nil)
	if err != nil {
		return fmt.Errorf("go: %w", err)
	}
	goInfo, _ := pkg.Language["go"].(gogen.GoPackageInfo)
	goDir := filepath.Join(out, "go", pkg.Name)
	golang["go.mod"] = []byte(fmt.Sprintf(goMod, goInfo.ImportBasePath, pulumiSDKVersion))
	if err := replace(goDir, golang); err != nil {
		return err
	}
	// go.sum: the checksums of exactly what the SDK imports.
	tidy := exec.Command("go", "mod", "tidy")
	tidy.Dir = goDir
	tidy.Stdout, tidy.Stderr = os.Stderr, os.Stderr
	if err := tidy.Run(); err != nil {
		return fmt.Errorf("go mod tidy in %s: %w", goDir, err)
	}
	return nil
}

// The Pulumi Go SDK the generated Go SDK requires: the version of the pinned CLI.
const pulumiSDKVersion = "v3.274.1"

const goMod = `module %s

go 1.25

require github.com/pulumi/pulumi/sdk/v3 %s
`

// replace makes dir hold exactly files (paths relative to dir), leaving alone the build outputs
// that the SDK's own .gitignore names (node_modules, bin, *.egg-info, ...).
func replace(dir string, files map[string][]byte) error {
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if buildOutput(d.Name()) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		rel, _ := filepath.Rel(dir, path)
		if _, keep := files[rel]; !d.IsDir() && !keep {
			return os.Remove(path)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for name, data := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

func buildOutput(name string) bool {
	switch name {
	case "node_modules", "bin", "build", "dist", "__pycache__", ".mypy_cache":
		return true
	}
	return strings.HasSuffix(name, ".egg-info")
}
