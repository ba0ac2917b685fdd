using System.Diagnostics;
using NeTracker.Probe.Cli;

namespace NeTracker.Probe.Tests.Cli;

/// <summary>Shell completion: the tool answers System.CommandLine's [suggest] directive, and the
/// script `completion bash` prints turns that into bash completions, with nothing else installed.</summary>
public sealed class CompletionTests
{
    private static async Task<string> SuggestAsync(string line)
    {
        var output = new StringWriter();
        var env = new CliEnvironment(output, new StringWriter(), _ => throw new InvalidOperationException("completion must not start the probe"), () => false);
        Assert.Equal(ProbeCommandLine.Ok, await ProbeCommandLine.RunAsync([$"[suggest:{line.Length}]", line], env, TestContext.Current.CancellationToken));
        return output.ToString();
    }

    [Fact]
    public async Task The_suggest_directive_completes_commands_options_and_values_without_root()
    {
        Assert.Equal("watch", (await SuggestAsync("netracker wa")).Trim());
        var options = (await SuggestAsync("netracker watch --")).Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("--interface", options);
        Assert.Contains("--format", options);
        Assert.Equal(["table", "tcplife"], (await SuggestAsync("netracker watch --format t")).Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
        // Interface names come from this host.
        Assert.Contains("lo", (await SuggestAsync("netracker status -i ")).Split(Environment.NewLine));
    }

    /// <summary>The printed bash script in a real bash, with `netracker` on PATH running this build.</summary>
    [Theory]
    [InlineData("netracker st", "status")]
    [InlineData("netracker watch --for", "--format")]
    [InlineData("netracker watch -i lo -f j", "jsonl")]
    [InlineData("netracker completion ", "--help -h bash zsh")]
    public async Task The_bash_script_completes_through_the_tool(string line, string expected)
    {
        string dir = Directory.CreateTempSubdirectory("nt-completion-").FullName;
        try
        {
            string dll = Path.Combine(AppContext.BaseDirectory, "NeTracker.Probe.dll");
            await File.WriteAllTextAsync(Path.Combine(dir, "netracker"), $"#!/bin/sh\nexec dotnet '{dll}' \"$@\"\n", TestContext.Current.CancellationToken);
            if (OperatingSystem.IsLinux())
                File.SetUnixFileMode(Path.Combine(dir, "netracker"), UnixFileMode.UserRead | UnixFileMode.UserExecute);
            await File.WriteAllTextAsync(Path.Combine(dir, "netracker.bash"), CompletionCommand.Bash, TestContext.Current.CancellationToken);
            var start = new ProcessStartInfo("bash", ["-c", """
                source "$1"; COMP_LINE="$2"; COMP_POINT=${#COMP_LINE}; read -ra COMP_WORDS <<< "$COMP_LINE"
                [ "${COMP_LINE: -1}" = " " ] && COMP_WORDS+=("")
                COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _netracker_complete; echo "${COMPREPLY[*]}"
                """, "complete-test", Path.Combine(dir, "netracker.bash"), line])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            start.Environment["PATH"] = dir + ":" + Environment.GetEnvironmentVariable("PATH");
            using var bash = Process.Start(start)!;
            string stdout = await bash.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
            await bash.WaitForExitAsync(TestContext.Current.CancellationToken);
            Assert.Equal(expected, stdout.Trim());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>The zsh script in an interactive zsh (a pseudo-terminal: compadd works only in a
    /// completion widget): Tab after "--fo" writes "--format".</summary>
    [Fact]
    public async Task The_zsh_script_completes_through_the_tool()
    {
        Assert.SkipUnless(File.Exists("/usr/bin/zsh"), "zsh is not installed (netracker.sh test installs it)");
        string dir = Directory.CreateTempSubdirectory("nt-completion-").FullName;
        try
        {
            string dll = Path.Combine(AppContext.BaseDirectory, "NeTracker.Probe.dll");
            await File.WriteAllTextAsync(Path.Combine(dir, "netracker"), $"#!/bin/sh\nexec dotnet '{dll}' \"$@\"\n", TestContext.Current.CancellationToken);
            if (OperatingSystem.IsLinux())
                File.SetUnixFileMode(Path.Combine(dir, "netracker"), UnixFileMode.UserRead | UnixFileMode.UserExecute);
            await File.WriteAllTextAsync(Path.Combine(dir, "_netracker"), CompletionCommand.Zsh, TestContext.Current.CancellationToken);
            await File.WriteAllTextAsync(Path.Combine(dir, "drive.zsh"), $$"""
                zmodload zsh/zpty
                zpty z 'zsh -f -i'
                zpty -w z 'PS1="> "; autoload -U compinit; compinit -u; PATH={{dir}}:$PATH; source {{dir}}/_netracker'
                zpty -w -n z $'netracker watch --fo	'
                sleep 4
                zpty -r -t z a; zpty -r -t z b; zpty -r -t z c
                print -r -- "$a$b$c"
                zpty -d z
                """, TestContext.Current.CancellationToken);
            var start = new ProcessStartInfo("zsh", ["-f", Path.Combine(dir, "drive.zsh")]) { RedirectStandardOutput = true };
            using var zsh = Process.Start(start)!;
            string screen = await zsh.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
            await zsh.WaitForExitAsync(TestContext.Current.CancellationToken);
            Assert.Contains("netracker watch --format", screen, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Completion_prints_the_script_for_the_shell_asked()
    {
        var output = new StringWriter();
        var env = new CliEnvironment(output, new StringWriter(), _ => throw new InvalidOperationException());
        Assert.Equal(ProbeCommandLine.Ok, await ProbeCommandLine.RunAsync(["completion", "zsh"], env, TestContext.Current.CancellationToken));
        Assert.Equal(CompletionCommand.Zsh, output.ToString());
        Assert.Contains("compdef _netracker netracker", CompletionCommand.Zsh, StringComparison.Ordinal);
    }
}
