import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { useDemoHome } from "./helpers/demo-home.js";
import { BIN, runCli, runCliJson } from "./helpers/run-cli.js";
import { shellQuote } from "./helpers/terminal.js";

const has = (shell: string) => spawnSync(shell, ["-c", "exit 0"]).status === 0;
const NO_ZSH = has("zsh") ? undefined : "zsh is not installed";
const NO_FISH = has("fish") ? undefined : "fish is not installed";
for (const reason of [NO_ZSH, NO_FISH]) if (reason) console.warn(`[skip] completion run in its shell: ${reason}`);

/** Commands that take a thread and must complete one (others may be added; these must stay). */
const THREAD_COMMANDS = ["show", "rename", "archive", "unarchive", "delete", "fork", "export"];

describe("skein completion", () => {
  const demo = useDemoHome("skein-cli-completion-");
  /** A PATH whose `skein` is the built binary, as an installed one would be. */
  let path: string;
  let threads: { id: string; name: string }[];

  beforeAll(async () => {
    const bin = join(demo.dir, "bin");
    mkdirSync(bin);
    writeFileSync(join(bin, "skein"), `#!/bin/sh\nexec ${shellQuote(process.execPath)} ${shellQuote(BIN)} "$@"\n`);
    chmodSync(join(bin, "skein"), 0o755);
    path = `${bin}${delimiter}${process.env["PATH"] ?? ""}`;
    threads = (await runCliJson<{ items: { id: string; name: string }[] }>(["list", "--home", demo.home, "--json"])).items;
    expect(threads.map((thread) => thread.name).sort()).toEqual(["weather demo", "weather demo (fork)"]);
  });

  /** Runs `script` in `shell` with the test PATH and no home variables from the developer's shell. */
  function inShell(shell: string, args: readonly string[], script: string): string {
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries({ ...process.env, PATH: path, SKEIN_HOME: undefined, CODEX_HOME: undefined, SKEIN_STORE: undefined })) {
      if (value !== undefined) env[key] = value;
    }
    const result = spawnSync(shell, [...args, script], { env, encoding: "utf8", cwd: demo.dir, timeout: 60_000 });
    expect(result.stderr, `${shell} stderr`).toBe("");
    expect(result.status).toBe(0);
    return result.stdout;
  }

  it("prints a script for each shell naming every command; an unknown shell is a usage error", async () => {
    for (const shell of ["bash", "zsh", "fish"]) {
      const result = await runCli(["completion", shell]);
      expect(result.code, result.stderr).toBe(0);
      for (const command of [...THREAD_COMMANDS, "list", "search", "reindex", "doctor", "completion"]) expect(result.stdout).toContain(command);
      expect(result.stdout).toContain("__complete threads");
      expect(result.stdout).not.toContain("__complete\t"); // the hidden command is not offered
    }
    expect((await runCli(["completion", "bash"])).stdout).toMatch(/\ncomplete -F _skein skein\n$/);
    expect((await runCli(["completion", "zsh"])).stdout).toMatch(/^#compdef skein\n/);
    expect((await runCli(["completion", "fish"])).stdout).toContain("complete -c skein -n __skein_needs_command -a 'show' -d 'show one thread; --items adds its full history'");
    const bad = await runCli(["completion", "powershell"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("error: command-argument value 'powershell' is invalid for argument 'shell'. Allowed choices are bash, zsh, fish.");
  });

  it("says how to install each script in its help", async () => {
    const help = await runCli(["completion", "--help"]);
    expect(help.stdout).toContain("skein completion bash > ~/.local/share/bash-completion/completions/skein");
    expect(help.stdout).toContain('skein completion zsh > "${fpath[1]}/_skein"');
    expect(help.stdout).toContain("skein completion fish > ~/.config/fish/completions/skein.fish");
  });

  it("__complete threads lists names then ids with a prefix, and nothing for a missing home or a postgres store", async () => {
    const all = await runCli(["--home", demo.home, "__complete", "threads"]);
    const lines = all.stdout.trimEnd().split("\n").map((line) => line.split("\t"));
    expect(lines.map(([value]) => value)).toEqual([...threads.map((thread) => thread.name), ...threads.map((thread) => thread.id)]);
    expect(lines.slice(0, 2).map(([, description]) => description)).toEqual(threads.map((thread) => thread.id));
    const some = await runCli(["--home", demo.home, "__complete", "threads", "--", "weather demo ("]);
    expect(some.stdout).toBe(`weather demo (fork)\t${threads.find((thread) => thread.name === "weather demo (fork)")!.id}\n`);
    expect(await runCli(["--home", join(demo.dir, "nowhere"), "__complete", "threads"])).toEqual({ code: 0, stdout: "", stderr: "" });
    expect(await runCli(["--store", "postgres://nobody@127.0.0.1:1/x", "__complete", "threads"])).toEqual({ code: 0, stdout: "", stderr: "" });
  });

  it("bash: the script registers itself, and _skein (compgen underneath) completes commands, options, values and threads", () => {
    const output = inShell("bash", ["--norc", "--noprofile", "-c"], `
      source <(skein completion bash)
      complete -p skein
      t() { COMP_WORDS=("$@"); COMP_CWORD=$(( \${#COMP_WORDS[@]} - 1 )); COMPREPLY=(); _skein; printf '%s|' "\${COMPREPLY[@]}"; echo; }
      t skein sh
      t skein list --so
      t skein list --sort r
      t skein --home ${shellQuote(demo.home)} show ''
      t skein show --home ${shellQuote(demo.home)} 'weather\\ demo\\ ('
      t skein --home ${shellQuote(demo.home)} show "'weather"
      t skein --home ${shellQuote(demo.home)} rename 'weather demo' ''
      t skein --home ${shellQuote(demo.home)} export --to backup x ${threads[0]!.id.slice(0, 12)}
      t skein --home ${shellQuote(demo.home)} show --no
      t skein --cwd h
    `);
    const [registered, ...replies] = output.trimEnd().split("\n");
    expect(registered).toBe("complete -F _skein skein");
    const [a, b] = threads;
    expect(replies).toEqual([
      "show|",
      "--source|--sort|",
      "recency|",
      `${threads.map((thread) => thread.name.replaceAll(/([ ()])/g, "\\$1")).join("|")}|${a!.id}|${b!.id}|`,
      "weather\\ demo\\ \\(fork\\)|",
      `${threads.map((thread) => thread.name).join("|")}|`,
      "|", // rename's second argument is the new name: nothing to offer
      `${a!.id}|`,
      "--no-pager|--no-codex-sync|",
      "home|", // a directory option's value: directories (compgen -d) of the working directory
    ]);
  });

  it.skipIf(NO_FISH)("fish: complete -C offers commands, option values and thread names", () => {
    const output = inShell("fish", ["--no-config", "-c"], `
      skein completion fish | source
      complete -C 'skein sh'; echo ---
      complete -C 'skein list --sort '; echo ---
      complete -C 'skein --home ${demo.home} show wea'; echo ---
      complete -C 'skein --home ${demo.home} rename x '; echo ---
    `);
    const [commands, sort, names, renameSecond] = output.split("---\n");
    expect(commands).toBe("show\tshow one thread; --items adds its full history\n");
    expect(sort!.split("\n").filter(Boolean).map((line) => line.split("\t")[0])).toEqual(["created", "recency", "updated"]);
    expect(names!.split("\n").filter(Boolean).map((line) => line.split("\t")[0]).sort()).toEqual(threads.map((thread) => thread.name).sort());
    expect(renameSecond).toBe("");
  });

  it.skipIf(NO_ZSH)("zsh: the script parses, registers with compdef, and _skein offers commands, values and thread names", () => {
    const output = inShell("zsh", ["-f", "-c"], `
      compdef() { print -r -- "compdef $*" }
      compadd() { local -a got; while (( $# )); do case $1 in (-d) shift 2;; (-a) got=("\${(@P)2}"); shift 2;; (--) shift; got+=("$@"); break;; (*) shift;; esac; done; print -r -- "values: \${(j:|:)got}" }
      _describe() { print -r -- "described: \${(j:|:)\${(@)\${(@P)4}%%:*}}" }
      _files() { print -r -- "files $*" }
      source <(skein completion zsh)
      t() { words=("$@"); CURRENT=\${#words}; PREFIX="\${words[CURRENT]}"; _skein }
      t skein ''
      t skein list --sort ''
      t skein list --cwd ''
      t skein --home ${shellQuote(demo.home)} show wea
      t skein --home ${shellQuote(demo.home)} rename x ''
    `);
    const lines = output.trimEnd().split("\n");
    expect(lines[0]).toBe("compdef _skein skein");
    expect(lines[1]).toMatch(/^described: list\|show\|search\|rename\|archive\|/);
    expect(lines.slice(2)).toEqual(["values: created|updated|recency", "files -/", `values: ${threads.map((thread) => thread.name).join("|")}`]);
  });
});
