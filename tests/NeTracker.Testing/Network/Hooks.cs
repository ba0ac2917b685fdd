using System.Text.Json;
using NeTracker.Probe.Kernel;
using NeTracker.Probe.Tc;

namespace NeTracker.Testing;

/// <summary>
/// What runs at an interface's ingress or egress hook, whichever way it was attached: the
/// netlink tc filters (`tc filter show`) and, on kernels with tcx, the programs at the tcx
/// hook by name ("tcx nt_ingress id 42"). NeTracker attaches through tcx links where it can,
/// which `tc filter show` does not list.
/// </summary>
public static class Hooks
{
    public static async Task<string> ShowAsync(string dev, string hook)
    {
        var text = await Shell.Tc("filter", "show", "dev", dev, hook);
        foreach (var id in TcAttacher.TcxProgramIds(dev, hook == "ingress" ? TcHook.Ingress : TcHook.Egress))
        {
            var json = await ToolRunner.RunCheckedAsync("bpftool", ["-j", "prog", "show", "id", id.ToString(System.Globalization.CultureInfo.InvariantCulture)], CancellationToken.None);
            using var doc = JsonDocument.Parse(json);
            var name = doc.RootElement.TryGetProperty("name", out var n) ? n.GetString() : "?";
            text += $"\ntcx {name} id {id}";
        }
        return text;
    }
}
