using NeTracker.Probe.Model;

namespace NeTracker.Probe.Owner;

/// <summary>Who owns a connection's local socket, in the record's terms.</summary>
public sealed record ProcessOwner(int Pid, string? Comm, string? Cgroup, string? Unit, OwnerSource Source = OwnerSource.Kernel)
{
    public ConnectionRecord ApplyTo(ConnectionRecord record)
        => record with { Pid = Pid, Comm = Comm, Cgroup = Cgroup, Unit = Unit, OwnerSource = Source };
}

/// <summary>
/// Turns the kernel's owner fields (tgid, comm bytes, cgroup id — struct nt_owner as copied
/// into struct nt_event) into a <see cref="ProcessOwner"/>. A pid of 0 is no owner (a socket
/// the kernel made for itself): null, never guessed.
/// </summary>
public sealed class OwnerResolver(CgroupPaths? cgroups)
{
    public ProcessOwner? Resolve(uint pid, ReadOnlySpan<byte> comm, ulong cgroupId, OwnerSource source = OwnerSource.Kernel)
    {
        if (pid == 0 || pid > int.MaxValue)
            return null;
        var cgroup = cgroups?.Resolve(cgroupId);
        return new ProcessOwner((int)pid, OwnerText.Comm(comm), cgroup?.Path, cgroup?.Unit, source);
    }
}
