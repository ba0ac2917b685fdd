using NeTracker.Probe.Tc;

namespace NeTracker.Probe.Tests.Tc;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class TcAttacherTests : IDisposable
{
    private const string Ours = """[{"protocol":"all","pref":PREF,"kind":"bpf","chain":0},{"protocol":"all","pref":PREF,"kind":"bpf","chain":0,"options":{"handle":"0x4e54","bpf_name":"nt_ingress:[*fsobj]","direct-action":true,"not_in_hw":true,"prog":{"id":17,"name":"nt_ingress","tag":"383294e44da432c3","jited":1}}}""";
    private const string Foreign = """{"protocol":"all","pref":30000,"kind":"bpf","chain":0},{"protocol":"all","pref":30000,"kind":"bpf","chain":0,"options":{"handle":"0x7","direct-action":true,"not_in_hw":true,"bytecode":{"length":1,"insns":[{"code":6,"jt":0,"jf":0,"k":0}]}}}""";

    private readonly FakeTc _tc = new();
    private readonly TcAttacher _attacher;
    private readonly TcOptions _options;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public TcAttacherTests()
    {
        _options = TcOptions.ForInstance("unit", _tc.Path, _tc.StateDir);
        _attacher = new TcAttacher(_options, _tc.SysClassNet);
    }

    public void Dispose() => _tc.Dispose();

    private string OursJson => Ours.Replace("PREF", _options.Pref.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);

    [Fact]
    public void Priority_is_stable_per_instance_and_clear_of_the_kernel_default()
    {
        Assert.Equal(TcOptions.PrefFor("default"), TcOptions.PrefFor("default"));
        Assert.InRange(TcOptions.PrefFor("default"), 0x4E00, 0x4EFF);
        Assert.NotEqual(49152, TcOptions.PrefFor("x"));
        Assert.Equal(0x4e54u, _options.Handle);
    }

    [Fact]
    public void Filter_arguments_name_priority_handle_and_kind()
    {
        var pref = _options.Pref.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(
            ["filter", "replace", "dev", "eth9", "ingress", "protocol", "all", "pref", pref, "handle", "0x4e54", "bpf", "direct-action", "pinned", "/p/nt_ingress"],
            TcArguments.FilterReplace(_options, "eth9", TcHook.Ingress, "/p/nt_ingress"));
        Assert.Equal(
            ["filter", "del", "dev", "eth9", "egress", "protocol", "all", "pref", pref, "handle", "0x4e54", "bpf"],
            TcArguments.FilterDelete(_options, "eth9", TcHook.Egress));
        Assert.Equal(["qdisc", "add", "dev", "eth9", "clsact"], TcArguments.AddClsact("eth9"));
    }

    [Fact]
    public async Task Attach_creates_clsact_only_when_absent_and_remembers_it()
    {
        await _attacher.AttachAsync("eth9", "/p/in", "/p/eg", Ct);

        Assert.Equal(4, _tc.Calls.Count);
        Assert.Equal("qdisc add dev eth9 clsact", _tc.Calls[1]);
        Assert.StartsWith("filter replace dev eth9 ingress", _tc.Calls[2], StringComparison.Ordinal);
        Assert.EndsWith("pinned /p/eg", _tc.Calls[3], StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(_options.StateDirectory, "clsact-eth9")));
    }

    [Fact]
    public async Task Attach_leaves_an_existing_clsact_alone()
    {
        _tc.Answer("qdisc.json", """[{"kind":"clsact","handle":"ffff:","parent":"ffff:fff1","options":{}}]""");
        await _attacher.AttachAsync("eth9", "/p/in", "/p/eg", Ct);

        Assert.DoesNotContain(_tc.Calls, c => c.StartsWith("qdisc add", StringComparison.Ordinal));
        Assert.False(File.Exists(Path.Combine(_options.StateDirectory, "clsact-eth9")));
    }

    [Fact]
    public async Task Detach_removes_only_our_filters_and_keeps_a_qdisc_it_did_not_create()
    {
        _tc.Answer("ingress.json", OursJson + "," + Foreign + "]");
        _tc.Answer("egress.json", OursJson + "]");

        var filters = await _attacher.ShowAsync("eth9", Ct);
        Assert.True(filters.Attached);
        var foreign = Assert.Single(filters.Foreign);
        Assert.Equal("ingress pref 30000 bpf handle 0x7", foreign.ToString());

        Assert.True(await _attacher.DetachAsync("eth9", Ct));
        var deletes = _tc.Calls.Where(c => c.StartsWith("filter del", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, deletes.Count);
        Assert.All(deletes, d => Assert.Contains($"pref {_options.Pref} handle 0x4e54 bpf", d, StringComparison.Ordinal));
        Assert.DoesNotContain(_tc.Calls, c => c.Contains("30000", StringComparison.Ordinal) && c.StartsWith("filter del", StringComparison.Ordinal));
        Assert.DoesNotContain(_tc.Calls, c => c.StartsWith("qdisc del", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Detach_removes_the_qdisc_it_created_once_empty()
    {
        await _attacher.AttachAsync("eth9", "/p/in", "/p/eg", Ct);
        _tc.Answer("ingress.json", OursJson + "]");
        _tc.Answer("egress.json", OursJson + "]");

        Assert.True(await _attacher.DetachAsync("eth9", Ct));
        Assert.Equal("qdisc del dev eth9 clsact", _tc.Calls[^1]);
        Assert.False(File.Exists(Path.Combine(_options.StateDirectory, "clsact-eth9")));
    }

    [Fact]
    public async Task Detach_of_an_interface_that_is_gone_is_a_no_op()
    {
        Assert.False(await _attacher.DetachAsync("gone0", Ct));
        Assert.Empty(_tc.Calls);
    }

    [Fact]
    public async Task A_missing_interface_is_named_in_the_error()
    {
        var ex = await Assert.ThrowsAsync<ProbeException>(() => _attacher.AttachAsync("nosuch0", "/p/in", "/p/eg", Ct));
        Assert.Contains("'nosuch0' does not exist", ex.Message, StringComparison.Ordinal);
        Assert.Empty(_tc.Calls);
    }

    [Fact]
    public async Task An_interface_that_vanishes_under_tc_is_reported_as_missing()
    {
        _tc.Fail("Cannot find device \"eth9\"\n");
        var ex = await Assert.ThrowsAsync<ProbeException>(() => _attacher.AttachAsync("eth9", "/p/in", "/p/eg", Ct));
        Assert.Contains("'eth9' does not exist", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_privileges_says_run_as_root()
    {
        _tc.Fail("RTNETLINK answers: Operation not permitted\n");
        var ex = await Assert.ThrowsAsync<ProbeException>(() => _attacher.AttachAsync("eth9", "/p/in", "/p/eg", Ct));
        Assert.Contains("root", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_kernel_without_clsact_says_so()
    {
        File.WriteAllText(_tc.Path, File.ReadAllText(_tc.Path).Replace(
            "\"qdisc add\"*) echo '[{\"kind\":\"clsact\"}]' > \"$d/qdisc.json\" ;;",
            "\"qdisc add\"*) echo 'Error: Specified qdisc kind is unknown.' >&2; exit 2 ;;", StringComparison.Ordinal));
        var ex = await Assert.ThrowsAsync<ProbeException>(() => _attacher.AttachAsync("eth9", "/p/in", "/p/eg", Ct));
        Assert.Contains("no clsact qdisc", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_tc_names_the_package()
    {
        var attacher = new TcAttacher(TcOptions.ForInstance("unit", Path.Combine(_tc.Dir, "missing", "tc"), _tc.StateDir), _tc.SysClassNet);
        var ex = await Assert.ThrowsAsync<ProbeException>(() => attacher.AttachAsync("eth9", "/p/in", "/p/eg", Ct));
        Assert.Contains("could not be started", ex.Message, StringComparison.Ordinal);
        Assert.Contains("iproute2", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("eth0;reboot")]
    [InlineData("-dev")]
    [InlineData("a-very-long-interface-name")]
    [InlineData("")]
    public async Task Bad_names_never_reach_tc(string name)
    {
        await Assert.ThrowsAsync<ProbeException>(() => _attacher.AttachAsync(name, "/p/in", "/p/eg", Ct));
        Assert.Empty(_tc.Calls);
    }
}
