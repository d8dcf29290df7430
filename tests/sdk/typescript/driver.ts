// Runs the seed-walkthrough example (sdk-examples/typescript/seed-walkthrough) as an Automation
// API inline program, so no pulumi-language-nodejs is needed.
//
//   node .tools/node/driver/tests/sdk/typescript/driver.js preview|up|preview-no-changes|destroy
//
// The current directory is the stack's persistent work dir (Pulumi.yaml and Pulumi.dev.yaml are
// written there). The caller's environment carries PULUMI_HOME (with the awsbackup plugin
// installed), PULUMI_BACKEND_URL, PULUMI_CONFIG_PASSPHRASE, the AWS_* settings and a PATH with
// the pulumi CLI. SEED_RETENTION_DAYS, when set, becomes the stack config `retentionDays`.
//
// Engine progress goes to stderr; the last stdout line is one JSON object:
// {"changeSummary": {...}} and, for up, "outputs": {name: value}. Any error exits non-zero.
import { LocalWorkspace, OpMap, Stack } from "@pulumi/pulumi/automation";
import { seedWalkthrough } from "../../../sdk-examples/typescript/seed-walkthrough/program";

const commands = ["preview", "up", "preview-no-changes", "destroy"] as const;
type Command = (typeof commands)[number];

function isCommand(s: string | undefined): s is Command {
    return (commands as readonly string[]).includes(s ?? "");
}

const onOutput = (out: string): void => {
    process.stderr.write(out);
};

// Operations other than "same" in a change summary.
function changes(summary: OpMap | undefined): string[] {
    return Object.entries(summary ?? {})
        .filter(([op, n]) => op !== "same" && (n ?? 0) > 0)
        .map(([op, n]) => `${op}=${n}`);
}

async function run(command: Command, stack: Stack): Promise<Record<string, unknown>> {
    switch (command) {
        case "preview": {
            const res = await stack.preview({ onOutput });
            return { changeSummary: res.changeSummary };
        }
        case "preview-no-changes": {
            const res = await stack.preview({ onOutput, expectNoChanges: true });
            const changed = changes(res.changeSummary);
            if (changed.length > 0) {
                throw new Error(`expected no changes, the preview has ${changed.join(", ")}`);
            }
            return { changeSummary: res.changeSummary };
        }
        case "up": {
            const res = await stack.up({ onOutput });
            const outputs = Object.fromEntries(
                Object.entries(res.outputs).map(([name, output]) => [name, output.value]),
            );
            return { changeSummary: res.summary.resourceChanges ?? {}, outputs };
        }
        case "destroy": {
            const res = await stack.destroy({ onOutput });
            return { changeSummary: res.summary.resourceChanges ?? {} };
        }
    }
}

async function main(): Promise<void> {
    const command = process.argv[2];
    if (!isCommand(command)) {
        throw new Error(`usage: driver.js ${commands.join("|")} (got ${command ?? "nothing"})`);
    }
    const stack = await LocalWorkspace.createOrSelectStack(
        { projectName: "seed-walkthrough", stackName: "dev", program: seedWalkthrough },
        { workDir: process.cwd() },
    );
    const retentionDays = process.env.SEED_RETENTION_DAYS;
    if (retentionDays !== undefined && retentionDays !== "") {
        await stack.setConfig("retentionDays", { value: retentionDays });
    }
    const result = await run(command, stack);
    process.stdout.write(JSON.stringify(result) + "\n");
}

main().catch((err: unknown) => {
    process.stderr.write(`driver: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
});
