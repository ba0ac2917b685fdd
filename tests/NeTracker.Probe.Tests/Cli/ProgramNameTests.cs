using NeTracker.Probe.Cli;

namespace NeTracker.Probe.Tests.Cli;

/// <summary>Help names what the user typed, found from how the tool was started.</summary>
public sealed class ProgramNameTests
{
    [Theory]
    // The package: /usr/bin/netracker -> /opt/netracker/probe/NeTracker.Probe (the kernel resolves the link, argv[0] keeps it).
    [InlineData(null, "/opt/netracker/probe/NeTracker.Probe", "netracker", "netracker")]
    [InlineData(null, "/opt/netracker/probe/NeTracker.Probe", "/usr/bin/netracker", "netracker")]
    // A checkout: netracker.sh runs dotnet and says what was typed.
    [InlineData("./netracker.sh probe", "/usr/share/dotnet/dotnet", "dotnet", "./netracker.sh probe")]
    [InlineData("/srv/nt/netracker.sh probe", "/usr/share/dotnet/dotnet", "dotnet", "/srv/nt/netracker.sh probe")]
    // dotnet on the dll by hand (the bench scripts), and the apphost run directly.
    [InlineData(null, "/usr/share/dotnet/dotnet", "dotnet", "dotnet NeTracker.Probe.dll")]
    [InlineData("", "/src/NeTracker.Probe/bin/Release/net10.0/NeTracker.Probe", "./NeTracker.Probe", "NeTracker.Probe")]
    [InlineData(null, null, null, "netracker")]
    public void Resolves_the_command_typed(string? launcher, string? processPath, string? argv0, string expected)
        => Assert.Equal(expected, ProgramName.Resolve(launcher, processPath, argv0));

    [Fact]
    public void A_launcher_cannot_put_escape_sequences_in_the_help()
        => Assert.DoesNotContain(ProgramName.Resolve("x\u001b[2J probe", "/usr/bin/dotnet", "dotnet"), char.IsControl);

    [Theory]
    [InlineData("000001ffffffffff", true)]  // root: every capability
    [InlineData("0000008000001000", true)]  // CAP_BPF + CAP_NET_ADMIN
    [InlineData("0000000000200000", true)]  // CAP_SYS_ADMIN
    [InlineData("0000008000000000", false)] // CAP_BPF alone: no tc
    [InlineData("0000000000000000", false)] // a user
    public void Privileges_are_read_from_the_effective_capabilities(string capEff, bool sufficient)
        => Assert.Equal(sufficient, KernelPrivileges.Sufficient($"Name:\tnetracker\nCapInh:\t0000000000000000\nCapEff:\t{capEff}\nCapBnd:\t000001ffffffffff\n"));
}
