using NeTracker.Probe.Native;

namespace NeTracker.Probe.Owner;

/// <summary>One program attached to a cgroup: its kernel id, attach type (as bpftool names it) and name.</summary>
public sealed record CgroupProgram(uint Id, string AttachType, string Name)
{
    /// <summary>The cgroup attach types of enum bpf_attach_type, by libbpf's names (bpftool's). A kernel that
    /// does not know one refuses its query with EINVAL, and it is skipped.</summary>
    private static readonly (uint Type, string Name)[] AttachTypes =
    [
        (0, "cgroup_inet_ingress"), (1, "cgroup_inet_egress"), (2, "cgroup_inet_sock_create"), (3, "cgroup_sock_ops"),
        (6, "cgroup_device"), (8, "cgroup_inet4_bind"), (9, "cgroup_inet6_bind"), (10, "cgroup_inet4_connect"),
        (11, "cgroup_inet6_connect"), (12, "cgroup_inet4_post_bind"), (13, "cgroup_inet6_post_bind"),
        (14, "cgroup_udp4_sendmsg"), (15, "cgroup_udp6_sendmsg"), (18, "cgroup_sysctl"), (19, "cgroup_udp4_recvmsg"),
        (20, "cgroup_udp6_recvmsg"), (21, "cgroup_getsockopt"), (22, "cgroup_setsockopt"),
        (29, "cgroup_inet4_getpeername"), (30, "cgroup_inet6_getpeername"), (31, "cgroup_inet4_getsockname"),
        (32, "cgroup_inet6_getsockname"), (34, "cgroup_inet_sock_release"),
    ];

    private const int Einval = 22;

    /// <summary>
    /// Every program attached to the cgroup directory <paramref name="cgroupPath"/> (its own, not
    /// the effective ones inherited), asked of the kernel with BPF_PROG_QUERY per attach type. Not
    /// `bpftool cgroup show`: bpftool 7 fails the whole listing on a 5.10 kernel (exit 255).
    /// </summary>
    public static IReadOnlyList<CgroupProgram> Query(string cgroupPath)
    {
        var fd = Libc.Open(cgroupPath, Libc.O_RDONLY | Libc.O_CLOEXEC);
        if (fd < 0)
            throw new ProbeException($"cannot open the cgroup {cgroupPath}: {Libc.Describe(System.Runtime.InteropServices.Marshal.GetLastPInvokeError())}");
        try
        {
            var list = new List<CgroupProgram>();
            foreach (var (type, name) in AttachTypes)
            {
                var rc = BpfSyscall.ProgQueryIds(fd, type, out var ids);
                if (rc == -Einval)
                    continue;
                if (rc < 0)
                    throw new ProbeException($"BPF_PROG_QUERY {name} on {cgroupPath} failed: {Libc.Describe(-rc)}");
                // A program detached between the query and the name lookup has no name any more; it is listed still.
                list.AddRange(ids.Select(id => new CgroupProgram(id, name, BpfSyscall.ProgName(id) ?? "")));
            }
            return list;
        }
        finally
        {
            Libc.Close(fd);
        }
    }

    public override string ToString() => $"{AttachType} {Name} (id {Id})";
}
