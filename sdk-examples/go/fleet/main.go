// Command fleet rolls a backup baseline out to many AWS accounts and regions with the Automation
// API.
//
//	fleet -accounts-file fleet.yaml [-preview | -refresh | -destroy] [-member ROLE_ARN ...]
//	      [-region REGION ...] [-central-role ROLE_ARN] [-central-region REGION] [-endpoint URL]
//	      [-concurrency N] [-only central|members]
//	      [-work-dir DIR] [-summary-json FILE]
//
// A central stack ("central") runs first and exports its vault's ARN; then one stack per member
// account and region ("member-<account>-<region>") runs, at most N at a time. -destroy removes
// the members first and the central stack last. The state backend and its passphrase come from
// the environment (PULUMI_BACKEND_URL, PULUMI_CONFIG_PASSPHRASE), as for the CLI.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"maps"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/events"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optrefresh"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

const (
	project      = "awsbackup-fleet"
	centralStack = "central"
)

// target is one stack of the fleet: an account in a region.
type target struct {
	Stack   string
	Account Account
	Region  string
}

type fleet struct {
	Central target
	Members []target
}

// result is one stack's outcome, as printed in the summary and written by -summary-json.
type result struct {
	Stack   string         `json:"stack"`
	Account string         `json:"account"`
	Region  string         `json:"region"`
	Result  string         `json:"result"`
	Changes map[string]int `json:"changes"`
	Seconds float64        `json:"seconds"`
	Error   string         `json:"error"`
	Outputs map[string]any `json:"outputs"`
}

func (r *result) failed() bool { return r.Result == "failed" }

type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

type options struct {
	preview, refresh, destroy bool
	accountsFile              string
	members, regions          stringList
	centralRole               string
	centralRegion             string
	endpoint                  string
	concurrency               int
	only                      string
	workDir                   string
	summaryJSON               string
}

func (o *options) op() string {
	switch {
	case o.preview:
		return "preview"
	case o.refresh:
		return "refresh"
	case o.destroy:
		return "destroy"
	}
	return "up"
}

func parseFlags() *options {
	o := &options{}
	flag.BoolVar(&o.preview, "preview", false, "preview every stack")
	flag.BoolVar(&o.refresh, "refresh", false, "refresh every stack from AWS")
	flag.BoolVar(&o.destroy, "destroy", false, "destroy the members, then the central stack")
	flag.StringVar(&o.accountsFile, "accounts-file", "", "JSON or YAML: central, members (role ARNs), regions")
	flag.Var(&o.members, "member", "a member account's role ARN (repeatable)")
	flag.Var(&o.regions, "region", "a region (repeatable; replaces the file's regions)")
	flag.StringVar(&o.centralRole, "central-role", "", "the central account's role ARN (default: the default credentials)")
	flag.StringVar(&o.centralRegion, "central-region", "", "the central vault's region (default: the first region)")
	flag.StringVar(&o.endpoint, "endpoint", "", "AWS Backup and STS endpoint URL (a local endpoint)")
	flag.IntVar(&o.concurrency, "concurrency", 4, "stacks at a time")
	flag.StringVar(&o.only, "only", "", "run only the central or the member stacks: central or members")
	flag.StringVar(&o.workDir, "work-dir", ".fleet", "the stacks' work dirs")
	flag.StringVar(&o.summaryJSON, "summary-json", "", "also write the results to this file")
	flag.Parse()
	modes := 0
	for _, m := range []bool{o.preview, o.refresh, o.destroy} {
		if m {
			modes++
		}
	}
	switch {
	case flag.NArg() > 0:
		fail("unexpected arguments: %v", flag.Args())
	case modes > 1:
		fail("-preview, -refresh and -destroy exclude each other")
	case o.concurrency < 1:
		fail("-concurrency must be at least 1")
	case o.only != "" && o.only != "central" && o.only != "members":
		fail("-only takes central or members")
	}
	return o
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "fleet: "+format+"\n", args...)
	os.Exit(2)
}

// fleetSpec is the accounts file.
type fleetSpec struct {
	Central struct {
		RoleArn string `yaml:"roleArn"`
		Region  string `yaml:"region"`
	} `yaml:"central"`
	Members []string `yaml:"members"`
	Regions []string `yaml:"regions"`
}

// loadFleet reads -accounts-file (YAML or JSON) and the flags; flags add members and replace the
// regions and the central account.
func loadFleet(o *options) (*fleet, error) {
	var spec fleetSpec
	if o.accountsFile != "" {
		text, err := os.ReadFile(o.accountsFile)
		if err != nil {
			return nil, err
		}
		if err := yaml.Unmarshal(text, &spec); err != nil {
			return nil, fmt.Errorf("%s: %w", o.accountsFile, err)
		}
	}
	roles := compact(append(spec.Members, o.members...))
	regions := compact(spec.Regions)
	if len(o.regions) > 0 {
		regions = compact(o.regions)
	}
	if len(roles) == 0 || len(regions) == 0 {
		return nil, errors.New("no members or no regions (see -accounts-file, -member, -region)")
	}
	f := &fleet{Central: target{Stack: centralStack, Region: regions[0]}}
	if role := firstNonEmpty(o.centralRole, spec.Central.RoleArn); role != "" {
		account, err := accountFromRole(role)
		if err != nil {
			return nil, err
		}
		f.Central.Account = account
	}
	f.Central.Region = firstNonEmpty(o.centralRegion, spec.Central.Region, regions[0])
	for _, role := range roles {
		account, err := accountFromRole(role)
		if err != nil {
			return nil, err
		}
		for _, region := range regions {
			f.Members = append(f.Members, target{
				Stack:   fmt.Sprintf("member-%s-%s", account.ID, region),
				Account: account,
				Region:  region,
			})
		}
	}
	return f, nil
}

// compact drops repeats, keeping the first of each.
func compact(values []string) []string {
	var out []string
	for _, v := range values {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// firstNonEmpty is the first non-empty value.
func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

// stackRun runs one operation on one stack and reports its progress.
type stackRun struct {
	target   target
	progress *progress
	workDir  string
	verb     string
	res      *result
}

func newStackRun(t target, p *progress, workDir string) *stackRun {
	account := t.Account.ID
	if account == "" {
		account = "default"
	}
	return &stackRun{
		target:   t,
		progress: p,
		workDir:  filepath.Join(workDir, t.Stack),
		res:      &result{Stack: t.Stack, Account: account, Region: t.Region, Changes: map[string]int{}},
	}
}

func (s *stackRun) say(line string, force bool) {
	s.res.Result = line
	s.progress.update(s.target.Stack, line, force)
}

// watch follows the engine's events until the operation closes the channel.
func (s *stackRun) watch(ch <-chan events.EngineEvent, done chan<- struct{}) {
	steps, finished := 0, 0
	for e := range ch {
		switch {
		case e.ResourcePreEvent != nil && e.ResourcePreEvent.Metadata.Op != "same":
			steps++
			urn := e.ResourcePreEvent.Metadata.URN
			name := urn[strings.LastIndex(urn, "::")+2:]
			s.say(fmt.Sprintf("%s: %s %s (%d/%d)", s.verb, e.ResourcePreEvent.Metadata.Op, name, finished, steps), false)
		case e.ResOutputsEvent != nil && e.ResOutputsEvent.Metadata.Op != "same":
			finished++
			s.say(fmt.Sprintf("%s: %d/%d done", s.verb, finished, steps), false)
		case e.DiagnosticEvent != nil && e.DiagnosticEvent.Severity == "error" && s.res.Error == "":
			s.res.Error = strings.TrimSpace(e.DiagnosticEvent.Message)
		}
	}
	close(done)
}

// run runs op (preview, up, refresh or destroy). program is nil for a stack that must exist
// already (refresh, destroy): a missing one is reported as "absent".
func (s *stackRun) run(ctx context.Context, op string, program pulumi.RunFunc) *result {
	s.verb = map[string]string{"preview": "previewing", "up": "updating", "refresh": "refreshing", "destroy": "destroying"}[op]
	start := time.Now()
	s.say(s.verb, true)
	err := s.operate(ctx, op, program)
	s.res.Seconds = time.Since(start).Seconds()
	switch {
	case err == nil:
		s.say("done", true)
	case auto.IsSelectStack404Error(err):
		s.say("absent", true)
	default:
		if s.res.Error == "" {
			s.res.Error = strings.TrimSpace(err.Error())
		}
		s.say("failed", true)
	}
	return s.res
}

func (s *stackRun) operate(ctx context.Context, op string, program pulumi.RunFunc) error {
	if err := os.MkdirAll(s.workDir, 0o755); err != nil {
		return err
	}
	logFile, err := os.Create(filepath.Join(s.workDir, op+".log"))
	if err != nil {
		return err
	}
	defer logFile.Close()

	var stack auto.Stack
	if program == nil {
		noop := func(*pulumi.Context) error { return nil }
		stack, err = auto.SelectStackInlineSource(ctx, s.target.Stack, project, noop, auto.WorkDir(s.workDir))
	} else {
		stack, err = auto.UpsertStackInlineSource(ctx, s.target.Stack, project, program, auto.WorkDir(s.workDir))
	}
	if err != nil {
		return err
	}

	ch := make(chan events.EngineEvent)
	done := make(chan struct{})
	go s.watch(ch, done)
	defer func() {
		// The operation closes ch when it ends, unless it failed before starting the engine.
		select {
		case <-done:
		case <-time.After(5 * time.Second):
		}
	}()

	switch op {
	case "preview":
		res, err := stack.Preview(ctx, optpreview.EventStreams(ch), optpreview.ProgressStreams(logFile),
			optpreview.ErrorProgressStreams(logFile), optpreview.Color("never"))
		if err != nil {
			return err
		}
		for k, n := range res.ChangeSummary {
			s.res.Changes[string(k)] = n
		}
	case "up":
		res, err := stack.Up(ctx, optup.EventStreams(ch), optup.ProgressStreams(logFile),
			optup.ErrorProgressStreams(logFile), optup.Color("never"))
		if err != nil {
			return err
		}
		s.setChanges(res.Summary.ResourceChanges)
		s.res.Outputs = map[string]any{}
		for k, v := range res.Outputs {
			s.res.Outputs[k] = v.Value
		}
	case "refresh":
		res, err := stack.Refresh(ctx, optrefresh.EventStreams(ch), optrefresh.ProgressStreams(logFile),
			optrefresh.ErrorProgressStreams(logFile), optrefresh.Color("never"))
		if err != nil {
			return err
		}
		s.setChanges(res.Summary.ResourceChanges)
	default:
		res, err := stack.Destroy(ctx, optdestroy.EventStreams(ch), optdestroy.ProgressStreams(logFile),
			optdestroy.ErrorProgressStreams(logFile), optdestroy.Color("never"))
		if err != nil {
			return err
		}
		s.setChanges(res.Summary.ResourceChanges)
		return stack.Workspace().RemoveStack(ctx, s.target.Stack)
	}
	return nil
}

func (s *stackRun) setChanges(changes *map[string]int) {
	if changes != nil {
		for k, n := range *changes {
			s.res.Changes[k] = n
		}
	}
}

func skipped(t target, p *progress, why string) *result {
	p.update(t.Stack, "skipped: "+why, true)
	r := newStackRun(t, p, "").res
	r.Result, r.Error = "skipped", why
	return r
}

// centralVaultArn is the central stack's vaultArn output, or "" when it has not been deployed.
func centralVaultArn(ctx context.Context, t target, workDir string) string {
	noop := func(*pulumi.Context) error { return nil }
	stack, err := auto.SelectStackInlineSource(ctx, t.Stack, project, noop,
		auto.WorkDir(filepath.Join(workDir, t.Stack)))
	if err != nil {
		return ""
	}
	outputs, err := stack.Outputs(ctx)
	if err != nil {
		return ""
	}
	arn, _ := outputs["vaultArn"].Value.(string)
	return arn
}

func runFleet(ctx context.Context, o *options, f *fleet) []*result {
	op := o.op()
	conn := Connection{Endpoint: o.endpoint}
	workDir, err := filepath.Abs(o.workDir)
	if err != nil {
		fail("%v", err)
	}
	withCentral, withMembers := o.only != "members", o.only != "central"
	var names []string
	if withCentral {
		names = append(names, f.Central.Stack)
	}
	if withMembers {
		for _, m := range f.Members {
			names = append(names, m.Stack)
		}
	}
	p := newProgress(names, os.Stdout)
	existing := op == "refresh" || op == "destroy"

	central := func() *result {
		var program pulumi.RunFunc
		if !existing {
			accounts := make([]Account, len(f.Members))
			for i, m := range f.Members {
				accounts[i] = m.Account
			}
			program = centralProgram(f.Central.Account, f.Central.Region, accounts, conn)
		}
		return newStackRun(f.Central, p, workDir).run(ctx, op, program)
	}
	// The member stacks in parallel, at most o.concurrency at a time.
	members := func(vaultArn string) []*result {
		results := make([]*result, len(f.Members))
		slots := make(chan struct{}, o.concurrency)
		var wg sync.WaitGroup
		for i, m := range f.Members {
			wg.Add(1)
			go func() {
				defer wg.Done()
				slots <- struct{}{}
				defer func() { <-slots }()
				var program pulumi.RunFunc
				if !existing {
					program = memberProgram(m.Account, m.Region, vaultArn, conn)
				}
				results[i] = newStackRun(m, p, workDir).run(ctx, op, program)
			}()
		}
		wg.Wait()
		return results
	}

	var results []*result
	if op == "destroy" {
		if withMembers {
			results = append(results, members("")...)
		}
		if withCentral {
			if slices.ContainsFunc(results, (*result).failed) {
				results = append(results, skipped(f.Central, p, "members failed to destroy"))
			} else {
				results = append(results, central())
			}
		}
	} else {
		vaultArn := ""
		if withCentral {
			first := central()
			results = append(results, first)
			vaultArn, _ = first.Outputs["vaultArn"].(string)
		}
		if withMembers {
			if vaultArn == "" {
				vaultArn = centralVaultArn(ctx, f.Central, workDir)
			}
			if vaultArn == "" && op == "preview" && f.Central.Account.ID != "" {
				// Not deployed yet: the ARN the central vault will have.
				vaultArn = fmt.Sprintf("arn:aws:backup:%s:%s:backup-vault:%s", f.Central.Region, f.Central.Account.ID, centralVault)
			}
			if vaultArn == "" && !existing {
				for _, m := range f.Members {
					results = append(results, skipped(m, p, "the central stack has no vaultArn output (run up first)"))
				}
			} else {
				results = append(results, members(vaultArn)...)
			}
		}
	}
	p.finish()
	return results
}

func describe(changes map[string]int) string {
	var made []string
	for _, op := range slices.Sorted(maps.Keys(changes)) {
		if op != "same" && changes[op] > 0 {
			made = append(made, fmt.Sprintf("%s %d", op, changes[op]))
		}
	}
	if len(made) == 0 {
		return "no changes"
	}
	return strings.Join(made, ", ")
}

func printSummary(results []*result) {
	fmt.Println()
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "STACK\tACCOUNT\tREGION\tRESULT\tCHANGES\tDURATION")
	for _, r := range results {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%.1fs\n", r.Stack, r.Account, r.Region, r.Result, describe(r.Changes), r.Seconds)
	}
	w.Flush()
	for _, r := range results {
		if r.failed() {
			fmt.Printf("\n%s failed:\n%s\n", r.Stack, r.Error)
		}
	}
}

func main() {
	o := parseFlags()
	f, err := loadFleet(o)
	if err != nil {
		fail("%v", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	results := runFleet(ctx, o, f)
	stop()
	printSummary(results)
	if o.summaryJSON != "" {
		text, err := json.MarshalIndent(results, "", "  ")
		if err == nil {
			err = os.WriteFile(o.summaryJSON, text, 0o644)
		}
		if err != nil {
			fail("writing %s: %v", o.summaryJSON, err)
		}
	}
	if slices.ContainsFunc(results, (*result).failed) {
		os.Exit(1)
	}
}
