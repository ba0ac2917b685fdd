using System.Text;
using NeTracker.Probe.Owner;

namespace NeTracker.Probe.Tests.Owner;

public sealed class OwnerTextTests
{
    [Fact]
    public void Comm_stops_at_the_first_nul()
        => Assert.Equal("nginx", OwnerText.Comm("nginx\0\0\0\0\0\0\0\0\0\0\0"u8));

    [Fact]
    public void Comm_of_sixteen_bytes_without_nul_is_bounded_to_sixteen()
        => Assert.Equal("abcdefghijklmnop", OwnerText.Comm("abcdefghijklmnopqrstuvwxyz"u8));

    [Fact]
    public void Empty_comm_is_null()
        => Assert.Null(OwnerText.Comm(new byte[16]));

    [Fact]
    public void Control_characters_and_invalid_utf8_become_replacement_characters()
    {
        var comm = OwnerText.Comm([(byte)'a', 0x1b, (byte)'[', (byte)'2', (byte)'J', 0xff, (byte)'\n', 0]);
        Assert.Equal("a\uFFFD[2J\uFFFD\uFFFD", comm);
        Assert.DoesNotContain(comm!, char.IsControl);
    }

    [Fact]
    public void A_comm_cut_inside_a_utf8_sequence_stays_text()
    {
        var bytes = Encoding.UTF8.GetBytes("ééééééééé"); // 18 bytes: the 16-byte cut splits the 9th
        var comm = OwnerText.Comm(bytes)!;
        Assert.StartsWith("éééééééé", comm, StringComparison.Ordinal);
        Assert.True(comm.Length <= 9);
    }

    [Fact]
    public void Long_cgroup_paths_are_cut_with_an_ellipsis()
    {
        var path = "/" + string.Concat(Enumerable.Repeat("deep.slice/", 100));
        var bounded = OwnerText.Cgroup(path);
        Assert.Equal(OwnerText.MaxCgroupChars, bounded.Length);
        Assert.EndsWith("…", bounded, StringComparison.Ordinal);
        Assert.Equal("/system.slice/a\uFFFDb.service", OwnerText.Cgroup("/system.slice/a\tb.service"));
    }
}
