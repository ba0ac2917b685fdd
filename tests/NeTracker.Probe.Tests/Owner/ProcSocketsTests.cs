using NeTracker.Probe.Owner;

namespace NeTracker.Probe.Tests.Owner;

public sealed class ProcSocketsTests
{
    [Fact]
    public void Tcp_table_lines_give_socket_inodes_and_skip_the_header_and_inode_zero()
    {
        string[] lines =
        [
            "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
            "   0: 0100007F:0277 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 23712 1 0000000000000000 100 0 0 10 0",
            "   1: 0100007F:9C40 0100007F:0277 01 00000000:00000000 00:00000000 00000000  1000        0 98765 1 0000000000000000 20 4 30 10 -1",
            "   2: 0100007F:9C41 0100007F:0277 06 00000000:00000000 03:00001771 00000000     0        0 0 3 0000000000000000",
        ];
        Assert.Equal([23712UL, 98765UL], ProcSockets.TcpInodes(lines));
    }

    [Theory]
    [InlineData("socket:[98765]", 98765UL)]
    [InlineData("socket:[]", null)]
    [InlineData("pipe:[98765]", null)]
    [InlineData("/dev/null", null)]
    [InlineData(null, null)]
    public void Only_socket_links_name_an_inode(string? link, ulong? inode)
        => Assert.Equal(inode, ProcSockets.SocketInode(link));

    [Fact]
    public void The_parent_is_read_after_the_last_parenthesis_whatever_the_comm_holds()
        => Assert.Equal(41, ProcSockets.ParentOf("1234 (evil) S 99 (x) S 41 1234 1234 0 -1 4194560"));

    [Fact]
    public void The_cgroup_v2_line_gives_the_path()
        => Assert.Equal("/system.slice/nginx.service", ProcSockets.Cgroup2Path(["4:memory:/x", "0::/system.slice/nginx.service"]));

    [Fact]
    public void A_socket_shared_by_a_master_and_its_workers_belongs_to_the_master()
    {
        var parents = new Dictionary<int, int> { [200] = 100, [201] = 100, [100] = 1, [300] = 1 };
        int? ParentOf(int pid) => parents.TryGetValue(pid, out var p) ? p : null;
        Assert.Equal(100, ProcSockets.OwnerOf([201, 100, 200], ParentOf));
        Assert.Equal(200, ProcSockets.OwnerOf([200], ParentOf));
        Assert.Null(ProcSockets.OwnerOf([200, 300], ParentOf)); // unrelated holders: never a guess
        Assert.Null(ProcSockets.OwnerOf([200, 201], ParentOf)); // siblings: neither is the owner
    }
}
