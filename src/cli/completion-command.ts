/**
 * `tessera completion bash|zsh`: a completion script made from the command tree itself, so it never lags behind
 * the commands. Install: `source <(tessera completion bash)` (or put it in your shell's completion directory).
 */
import { type Command, InvalidArgumentError } from 'commander';

interface Node {
  path: string;
  words: string[];
}

/** Every command path (`''`, `merchant`, `merchant create`…) with what may follow it: subcommands and options. */
function nodes(command: Command, path = ''): Node[] {
  const visible = command.commands.filter((c) => c.name() !== 'help');
  const words = [...visible.map((c) => c.name()), ...command.options.flatMap((o) => [o.long, o.short].filter((w): w is string => Boolean(w))), '--help'];
  return [{ path, words }, ...visible.flatMap((c) => nodes(c, path ? `${path} ${c.name()}` : c.name()))];
}

function bash(program: Command): string {
  const cases = nodes(program)
    .map(({ path, words }) => `    "${path}") words="${words.join(' ')}" ;;`)
    .join('\n');
  return `# tessera bash completion: source <(tessera completion bash)
_tessera() {
  local cur path word words
  cur="\${COMP_WORDS[COMP_CWORD]}"
  path=""
  for word in "\${COMP_WORDS[@]:1:COMP_CWORD-1}"; do
    case "$word" in -*) ;; *) if [[ -n "$(_tessera_words "\${path:+$path }$word")" ]]; then path="\${path:+$path }$word"; fi ;; esac
  done
  COMPREPLY=( $(compgen -W "$(_tessera_words "$path")" -- "$cur") )
}
_tessera_words() {
  local words=""
  case "$1" in
${cases}
  esac
  echo "$words"
}
complete -F _tessera tessera
`;
}

function zsh(program: Command): string {
  return `#compdef tessera
# tessera zsh completion: source <(tessera completion zsh)
autoload -U +X bashcompinit && bashcompinit
${bash(program)}`;
}

export function addCompletionCommand(program: Command): void {
  program
    .command('completion')
    .description('print a shell completion script: bash or zsh (e.g. source <(tessera completion bash))')
    .argument('<shell>', 'bash or zsh')
    .action((shell: string) => {
      if (shell !== 'bash' && shell !== 'zsh') throw new InvalidArgumentError('the shell must be bash or zsh');
      process.stdout.write(shell === 'bash' ? bash(program) : zsh(program));
    });
}
