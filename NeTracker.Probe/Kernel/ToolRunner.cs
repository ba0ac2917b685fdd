using System.ComponentModel;
using CliWrap;
using CliWrap.Buffered;

namespace NeTracker.Probe.Kernel;

/// <summary>The outcome of one run of an external tool (tc, bpftool, ip, mount).</summary>
public sealed record ToolResult(int ExitCode, string StandardOutput, string StandardError)
{
    public bool Succeeded => ExitCode == 0;
}

/// <summary>
/// Runs the standard tools through CliWrap with an argument list (never a shell string) and
/// turns "the tool is not installed" into a <see cref="ProbeException"/> that says so.
/// A non-zero exit is returned, not thrown: the callers know what the tool's errors mean.
/// </summary>
public static class ToolRunner
{
    public static async Task<ToolResult> RunAsync(string tool, IReadOnlyList<string> arguments,
        CancellationToken ct, string? standardInput = null)
    {
        var command = CliWrap.Cli.Wrap(tool)
            .WithArguments(arguments)
            .WithValidation(CommandResultValidation.None);
        if (standardInput is not null)
            command = command.WithStandardInputPipe(PipeSource.FromString(standardInput));
        try
        {
            var result = await command.ExecuteBufferedAsync(ct).ConfigureAwait(false);
            return new ToolResult(result.ExitCode, result.StandardOutput, result.StandardError);
        }
        catch (Exception ex) when (IsNotFound(ex))
        {
            throw new ProbeException(
                $"'{tool}' could not be started ({ex.GetBaseException().Message}): install it "
                + $"({PackageHint(tool)}) or set its path in the probe options.", ex);
        }
    }

    /// <summary>Runs the tool and throws a <see cref="ProbeException"/> with its stderr when it fails.</summary>
    public static async Task<string> RunCheckedAsync(string tool, IReadOnlyList<string> arguments,
        CancellationToken ct, string? standardInput = null)
    {
        var result = await RunAsync(tool, arguments, ct, standardInput).ConfigureAwait(false);
        if (!result.Succeeded)
            throw new ProbeException(Describe(tool, arguments, result));
        return result.StandardOutput;
    }

    public static string Describe(string tool, IReadOnlyList<string> arguments, ToolResult result)
        => $"`{Path.GetFileName(tool)} {string.Join(' ', arguments)}` failed (exit {result.ExitCode}): "
           + FirstLines(result.StandardError.Length > 0 ? result.StandardError : result.StandardOutput);

    private static string FirstLines(string text)
    {
        var trimmed = text.Trim();
        return trimmed.Length <= 400 ? trimmed : trimmed[..400] + "…";
    }

    private static bool IsNotFound(Exception ex)
        => ex is Win32Exception || ex.InnerException is Win32Exception
           || ex is FileNotFoundException || ex is DirectoryNotFoundException;

    private static string PackageHint(string tool) => Path.GetFileName(tool) switch
    {
        "tc" or "ip" => "Debian package iproute2",
        "bpftool" => "Debian package bpftool",
        "mount" => "Debian package mount",
        _ => "see README.md, Requirements",
    };
}
