using System.CommandLine;

namespace NeTracker.Probe.Cli;

/// <summary>
/// `completion bash|zsh`: prints a script that makes the shell complete `netracker`'s commands,
/// options and values (interface names, formats). The script asks the tool itself through
/// System.CommandLine's <c>[suggest:POSITION]</c> directive, so the completions are always this
/// version's and nothing else (dotnet-suggest, a .NET SDK) is needed on the host.
/// </summary>
public sealed class CompletionCommand : CliCommand
{
    /// <summary>The command completed: the package's /usr/bin/netracker.</summary>
    public const string Completed = "netracker";

    private readonly Argument<string> _shell;

    public CompletionCommand() : base("completion", "print a shell completion script: eval \"$(netracker completion bash)\"")
    {
        _shell = new Argument<string>("shell") { Description = "bash or zsh", HelpName = "bash|zsh" };
        _shell.AcceptOnlyFromAmong("bash", "zsh");
        Command.Arguments.Add(_shell);
    }

    public override bool NeedsPrivileges => false;

    public override Task<int> RunAsync(ParseResult parse, CliEnvironment env, CancellationToken stop)
    {
        env.Out.Write(parse.GetRequiredValue(_shell) == "zsh" ? Zsh : Bash);
        return Task.FromResult(ProbeCommandLine.Ok);
    }

    // The tool completes the whole line up to the cursor: its own name is the line's first word.
    public const string Bash = """
        # bash completion for netracker: eval "$(netracker completion bash)", or save it as
        # /etc/bash_completion.d/netracker
        _netracker_complete() {
            local IFS=$'\n' line="${COMP_LINE:0:COMP_POINT}"
            COMPREPLY=($(compgen -W "$("${COMP_WORDS[0]}" "[suggest:${#line}]" "$line" 2>/dev/null)" -- "${COMP_WORDS[COMP_CWORD]}"))
        }
        complete -o default -F _netracker_complete netracker

        """;

    public const string Zsh = """
        #compdef netracker
        # zsh completion for netracker: eval "$(netracker completion zsh)", or save it as _netracker
        # in a directory of $fpath
        _netracker() {
            local line="${BUFFER[1,CURSOR]}"
            local -a completions
            completions=("${(@f)$("${words[1]}" "[suggest:${#line}]" "$line" 2>/dev/null)}")
            compadd -- "${completions[@]}"
        }
        compdef _netracker netracker

        """;
}
