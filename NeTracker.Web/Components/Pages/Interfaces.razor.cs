using System.Globalization;
using Microsoft.AspNetCore.Components;
using MudBlazor;
using NeTracker.Probe;
using NeTracker.Web.Ingest;
using NeTracker.Web.Store;

namespace NeTracker.Web.Components.Pages;

/// <summary>
/// Every interface of the host with NeTracker's state and the other TC filters present;
/// Attach/Detach after a confirmation, with progress, failures in a snackbar.
/// </summary>
public sealed partial class Interfaces : RefreshingPage
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    private readonly HashSet<string> _busy = new(StringComparer.Ordinal);
    private List<InterfaceState> _items = [];
    private string? _loadError;
    private bool _loading;

    [Inject] private ProbeHostedService ProbeHost { get; set; } = null!;
    [Inject] private ConnectionStore Store { get; set; } = null!;
    [Inject] private IDialogService Dialogs { get; set; } = null!;
    [Inject] private ISnackbar Snackbar { get; set; } = null!;

    protected override TimeSpan RefreshInterval => TimeSpan.FromSeconds(5);

    // An attach or detach in progress owns the list until it returns.
    protected override bool ShouldRefresh => _busy.Count == 0;

    protected override async Task LoadAsync()
    {
        if (ProbeHost.Probe is not { } probe)
            return;
        _loading = true;
        try
        {
            _items = [.. await probe.ListInterfacesAsync(Stopping)];
            _loadError = null;
        }
        catch (Exception ex) when (ex is ProbeException or InvalidOperationException or IOException)
        {
            _loadError = "Listing interfaces failed: " + ex.Message;
        }
        finally
        {
            _loading = false;
        }
    }

    private async Task ToggleAsync(InterfaceState item)
    {
        if (ProbeHost.Probe is not { } probe)
            return;
        var attach = !item.Attached;
        var confirmed = await Dialogs.ShowMessageBoxAsync(
            attach ? $"Attach to {item.Name}?" : $"Detach from {item.Name}?",
            attach
                ? $"NeTracker adds its TC ingress and egress filters to {item.Name} (and a clsact qdisc if there is none). Other filters stay as they are."
                : $"NeTracker removes its own filters from {item.Name}; connections still open are reported as detached. Other filters stay as they are.",
            yesText: attach ? "Attach" : "Detach", cancelText: "Cancel");
        if (confirmed != true)
            return;

        _busy.Add(item.Name);
        StateHasChanged();
        try
        {
            var state = attach ? await probe.AttachAsync(item.Name, Stopping) : await probe.DetachAsync(item.Name, Stopping);
            var i = _items.FindIndex(x => x.Name == item.Name);
            if (i >= 0)
                _items[i] = state;
            Snackbar.Add(attach ? $"Attached to {item.Name}" : $"Detached from {item.Name}", Severity.Success);
        }
        catch (ProbeException ex)
        {
            Snackbar.Add(ex.Message, Severity.Error);
        }
        finally
        {
            _busy.Remove(item.Name);
        }
    }

    private long LastMinute(string name) => Store.GetWindow(TimeSpan.FromMinutes(1), name).Count;
}
