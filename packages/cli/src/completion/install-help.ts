// Kept apart from the script generators: `skein completion --help` shows it without loading them.

/** How to install each script (the command's help and the README say the same). */
export const COMPLETION_INSTALL_HELP = `
Install (then open a new shell):
  bash  skein completion bash > ~/.local/share/bash-completion/completions/skein
        (or add to ~/.bashrc:  source <(skein completion bash))
  zsh   skein completion zsh > "\${fpath[1]}/_skein"      (compinit must run in ~/.zshrc)
        (or add to ~/.zshrc after compinit:  source <(skein completion zsh))
  fish  skein completion fish > ~/.config/fish/completions/skein.fish

Commands, options and their values complete; so do thread names and ids wherever a command takes
<id|name>, read from the index of the home named by --home / $SKEIN_HOME / … (not from a postgres store).
`;
