// Command seed-driver runs the Go seed-walkthrough example (sdk-examples/go/seed-walkthrough)
// as an Automation API inline program, so no pulumi-language-go binary is needed.
//
//	seed-driver [-workdir DIR] preview|up|preview-no-changes|destroy
//
// Project seed-walkthrough, stack dev. The caller's environment supplies PULUMI_HOME (with the
// awsbackup plugin installed), PULUMI_BACKEND_URL, PULUMI_CONFIG_PASSPHRASE, AWS_* and a PATH
// holding the pulumi CLI. SEED_RETENTION_DAYS, when set, is written to the stack config
// `retentionDays` before the operation (and stays there for later runs).
//
// Progress goes to stderr; the last line of stdout is one JSON object:
// {"changeSummary": {...}} and, for up, "outputs": {name: value}.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"

	"github.com/awsbackup/pulumi-awsbackup/sdk-examples/go/seed-walkthrough/walkthrough"
)

const (
	projectName = "seed-walkthrough"
	stackName   = "dev"
)

type result struct {
	ChangeSummary map[string]int `json:"changeSummary"`
	Outputs       map[string]any `json:"outputs,omitempty"`
}

func main() {
	workdir := flag.String("workdir", ".", "the stack's persistent work dir")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: %s [-workdir DIR] preview|up|preview-no-changes|destroy\n", os.Args[0])
		flag.PrintDefaults()
	}
	flag.Parse()
	dir, err := filepath.Abs(*workdir)
	if flag.NArg() != 1 || err != nil {
		flag.Usage()
		os.Exit(2)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	res, err := run(ctx, dir, flag.Arg(0))
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "seed-driver %s: %v\n", flag.Arg(0), err)
		os.Exit(1)
	}
	line, err := json.Marshal(res)
	if err != nil {
		fmt.Fprintf(os.Stderr, "seed-driver: encoding result: %v\n", err)
		os.Exit(1)
	}
	fmt.Println(string(line))
}

func run(ctx context.Context, workdir, command string) (*result, error) {
	switch command {
	case "preview", "up", "preview-no-changes", "destroy":
	default:
		return nil, fmt.Errorf("unknown command %q", command)
	}
	if err := os.MkdirAll(workdir, 0o755); err != nil {
		return nil, err
	}
	// The inline project's main dir is the cwd: make it the work dir.
	if err := os.Chdir(workdir); err != nil {
		return nil, err
	}

	stack, err := auto.UpsertStackInlineSource(ctx, stackName, projectName, walkthrough.Program,
		auto.WorkDir(workdir))
	if err != nil {
		return nil, fmt.Errorf("selecting stack: %w", err)
	}
	if days, ok := os.LookupEnv("SEED_RETENTION_DAYS"); ok {
		if err := stack.SetConfig(ctx, "retentionDays", auto.ConfigValue{Value: days}); err != nil {
			return nil, fmt.Errorf("setting retentionDays: %w", err)
		}
	}

	switch command {
	case "preview", "preview-no-changes":
		opts := []optpreview.Option{
			optpreview.ProgressStreams(os.Stderr),
			optpreview.ErrorProgressStreams(os.Stderr),
			optpreview.Color("never"),
		}
		if command == "preview-no-changes" {
			opts = append(opts, optpreview.ExpectNoChanges())
		}
		res, err := stack.Preview(ctx, opts...)
		if err != nil {
			return nil, err
		}
		summary := opSummary(res.ChangeSummary)
		if command == "preview-no-changes" {
			// Belt and braces: the CLI already fails on changes with ExpectNoChanges.
			for op, n := range summary {
				if op != "same" && n > 0 {
					return nil, fmt.Errorf("changes were proposed: %v", summary)
				}
			}
		}
		return &result{ChangeSummary: summary}, nil

	case "up":
		res, err := stack.Up(ctx,
			optup.ProgressStreams(os.Stderr),
			optup.ErrorProgressStreams(os.Stderr),
			optup.Color("never"))
		if err != nil {
			return nil, err
		}
		outputs := map[string]any{}
		for name, out := range res.Outputs {
			outputs[name] = out.Value
		}
		return &result{ChangeSummary: derefSummary(res.Summary.ResourceChanges), Outputs: outputs}, nil

	default: // destroy
		res, err := stack.Destroy(ctx,
			optdestroy.ProgressStreams(os.Stderr),
			optdestroy.ErrorProgressStreams(os.Stderr),
			optdestroy.Color("never"))
		if err != nil {
			return nil, err
		}
		return &result{ChangeSummary: derefSummary(res.Summary.ResourceChanges)}, nil
	}
}

func opSummary[K ~string](m map[K]int) map[string]int {
	out := make(map[string]int, len(m))
	for op, n := range m {
		out[string(op)] = n
	}
	return out
}

func derefSummary(m *map[string]int) map[string]int {
	if m == nil {
		return map[string]int{}
	}
	return *m
}
