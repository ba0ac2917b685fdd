using NeTracker.Probe.Model;

namespace NeTracker.Probe.Tests.Model;

/// <summary>server_name and name_source at the record boundary (docs/names.md): a canonical host name with its source, or neither.</summary>
public sealed class RecordValidatorNameTests
{
    private static readonly DateTime Now = DateTime.UtcNow;

    private static string? Problem(string? name, NameSource? source)
        => RecordValidator.Check(Records.Make(0, endUtc: Now.AddSeconds(-1), host: "") with { ServerName = name, NameSource = source }, Now, RecordWindow.Default)?.Key;

    [Fact]
    public void A_canonical_name_with_its_source_and_no_name_at_all_pass()
    {
        Assert.Null(Problem("api.payments.internal", NameSource.Sni));
        Assert.Null(Problem("_grpc._tcp.svc.test", NameSource.Dns));
        Assert.Null(Problem(null, null));
    }

    [Theory]
    [InlineData("API.payments.internal", "server_name:text")]
    [InlineData("a b", "server_name:text")]
    [InlineData("evil\u001b[2J", "server_name:text")]
    [InlineData("", "server_name:text")]
    [InlineData("trailing.dot.", "server_name:text")]
    public void A_name_no_host_name_has_is_refused(string name, string expected) => Assert.Equal(expected, Problem(name, NameSource.Dns));

    [Fact]
    public void Lengths_sources_and_their_pairing_are_bounded()
    {
        Assert.Equal("server_name:too_long", Problem(new string('a', 254), NameSource.Sni));
        Assert.Equal("name_source:undefined", Problem("x.test", (NameSource)9));
        Assert.Equal("server_name:inconsistent", Problem("x.test", null));
        Assert.Equal("name_source:inconsistent", Problem(null, NameSource.Rdns));
    }
}
