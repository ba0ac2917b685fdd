using System.Runtime.InteropServices;
using NeTracker.Probe.Abi;
using NeTracker.Probe.Tests.RingBuffer;

namespace NeTracker.Probe.Tests.Abi;

/// <summary>struct nt_name_event as clang lays it out (BTF of bpf/netracker.h) and <see cref="NtNameEvent"/>
/// (its header; the payload follows at HeaderSize) agree on every offset, the size and the constants.</summary>
public sealed class NtNameEventLayoutTests
{
    [Fact]
    public void Every_header_offset_and_the_size_match_the_C_struct()
    {
        var (size, members) = NtEventLayoutTests.BtfLayout("nt_name_event");
        Assert.Equal(NtNameEvent.SizeOf, size);
        foreach (var (name, offset) in members)
        {
            if (name == "data")
            {
                Assert.Equal(NtNameEvent.HeaderSize, offset);
                continue;
            }
            var field = name == "version" ? nameof(NtNameEvent.EventVersion) : name == "ifindex" ? nameof(NtNameEvent.IfIndex)
                : string.Concat(name.Split('_').Select(w => char.ToUpperInvariant(w[0]) + w[1..]));
            Assert.True(offset == (int)Marshal.OffsetOf<NtNameEvent>(field), $"{name}: C {offset}, C# {Marshal.OffsetOf<NtNameEvent>(field)}");
        }
        Assert.Equal(members.Count - 1, typeof(NtNameEvent).GetFields().Count(f => !f.IsStatic && !f.IsLiteral));
    }

    [Fact]
    public void Constants_match_the_header()
    {
        var h = File.ReadAllText(Path.Combine(RepoPaths.Root, "bpf", "netracker.h"));
        foreach (var line in new[]
                 {
                     $"#define NT_NAME_VERSION\t\t{NtNameEvent.Version}", $"#define NT_NAME_CAP\t\t{NtNameEvent.Cap}",
                     $"NT_NAME_DNS_UDP = {NtNameEvent.KindDnsUdp},", $"NT_NAME_DNS_TCP = {NtNameEvent.KindDnsTcp},",
                     $"NT_NAME_FIRST = {NtNameEvent.KindFirstSegment},",
                     "#define NT_NM_IPV6\t(1u << 0)", "#define NT_NM_EGRESS\t(1u << 1)",
                     "#define NT_NAMES_DNS\t(1u << 0)", "#define NT_NAMES_TLS\t(1u << 1)", "#define NT_NAMES_HTTP\t(1u << 2)",
                 })
            Assert.Contains(line, h, StringComparison.Ordinal);
        Assert.Equal((1, 2, 1u, 2u, 4u), (NtNameEvent.FlagIpv6, NtNameEvent.FlagEgress, NtNameEvent.ConfigDns, NtNameEvent.ConfigTls, NtNameEvent.ConfigHttp));
    }
}
