using System.Text.RegularExpressions;

namespace NeTracker.Probe.Owner;

/// <summary>
/// The systemd unit or container a cgroup path belongs to, as a short name people know:
/// <c>nginx.service</c>, <c>session-3.scope</c>, <c>docker:0123456789ab</c> (the 12-digit id
/// <c>docker ps</c> shows), <c>pod:&lt;uid&gt;/containerd:0123456789ab</c> for Kubernetes.
/// A container wins over the unit that runs it (its <c>docker-&lt;id&gt;.scope</c>, or a
/// service inside it); null where the path names neither (the root, a bare slice).
/// Only matches on the path's text: nothing is looked up, nothing is executed.
/// </summary>
public static partial class UnitName
{
    private const int ShortId = 12;

    public static string? FromCgroup(string? path)
    {
        if (string.IsNullOrEmpty(path))
            return null;
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        string? pod = null, container = null, unit = null;
        for (var i = 0; i < segments.Length; i++)
        {
            var s = segments[i];
            var parent = i > 0 ? segments[i - 1] : "";
            if (PodSegment().Match(s) is { Success: true } p)
                pod = p.Groups["uid"].Value.Replace('_', '-');
            else if (container is null && ContainerScope().Match(s) is { Success: true } c)
                container = $"{Runtime(c.Groups["rt"].Value)}:{c.Groups["id"].Value[..ShortId]}";
            else if (container is null && BareId().IsMatch(s) && (parent == "docker" || pod is not null))
                container = $"{(parent == "docker" ? "docker" : "container")}:{s[..ShortId]}";
            else if (container is null && Lxc().Match(s) is { Success: true } l && (l.Groups["name"].Success || parent == "lxc"))
                container = "lxc:" + (l.Groups["name"].Success ? l.Groups["name"].Value : s);
            else if (container is null && (s.EndsWith(".service", StringComparison.Ordinal) || s.EndsWith(".scope", StringComparison.Ordinal)))
                unit = s;
        }
        return (pod, container) switch
        {
            (not null, not null) => $"pod:{pod}/{container}",
            (not null, null) => $"pod:{pod}",
            (null, not null) => container,
            _ => unit,
        };
    }

    private static string Runtime(string prefix) => prefix switch
    {
        "cri-containerd" => "containerd",
        "libpod" => "podman",
        _ => prefix, // docker, crio
    };

    /// <summary>kubepods-burstable-pod&lt;uid&gt;.slice (systemd driver, '_' for '-') or pod&lt;uid&gt; (cgroupfs).</summary>
    [GeneratedRegex(@"^(?:kubepods(?:-besteffort|-burstable)?-)?pod(?<uid>[0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12})(?:\.slice)?$")]
    private static partial Regex PodSegment();

    /// <summary>docker-, cri-containerd-, crio- and libpod- (podman) scopes of a 64-hex id; not crio-conmon-.</summary>
    [GeneratedRegex(@"^(?<rt>docker|cri-containerd|crio|libpod)-(?<id>[0-9a-f]{64})\.scope$")]
    private static partial Regex ContainerScope();

    /// <summary>A container id as its own directory (cgroupfs driver: /docker/&lt;id&gt;, /kubepods/.../pod&lt;uid&gt;/&lt;id&gt;).</summary>
    [GeneratedRegex(@"^[0-9a-f]{64}$")]
    private static partial Regex BareId();

    /// <summary>LXC 4+: lxc.payload.NAME; older: /lxc/NAME.</summary>
    [GeneratedRegex(@"^(?:lxc\.payload\.(?<name>.+)|[^.]+)$")]
    private static partial Regex Lxc();
}
