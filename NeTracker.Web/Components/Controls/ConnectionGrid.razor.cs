using System.Net;
using Microsoft.AspNetCore.Components;
using MudBlazor;
using NeTracker.Probe.Model;
using NeTracker.Web.Store;

namespace NeTracker.Web.Components.Controls;

/// <summary>
/// The recent connections, newest first, virtualised (only visible rows are rendered), every
/// schema column available (hidden ones in the column menu), sortable. Rows come from a
/// snapshot of the store taken at each <see cref="RefreshAsync"/>, so scrolling does not
/// re-query and a paused grid keeps showing exactly what it showed.
/// </summary>
public partial class ConnectionGrid
{
    private MudDataGrid<ConnectionRecord>? _grid;
    private IReadOnlyList<ConnectionRecord> _snapshot = [];
    private ConnectionFilter? _snapshotFilter;
    private long _snapshotVersion = -1;
    private bool _wasPaused;
    private bool _reloadAfterRender;
    private (IReadOnlyList<ConnectionRecord> Of, SortDefinition<ConnectionRecord> By, List<ConnectionRecord> Rows)? _sorted;

    [Inject] private ConnectionStore Store { get; set; } = null!;

    [Parameter] public ConnectionFilter Filter { get; set; } = ConnectionFilter.None;

    /// <summary>While paused the grid keeps its snapshot; sorting and scrolling still work.</summary>
    [Parameter] public bool Paused { get; set; }

    [Parameter] public bool ShowHost { get; set; }

    [Parameter] public string Height { get; set; } = "520px";

    [Parameter] public EventCallback<ConnectionRecord> RowSelected { get; set; }

    /// <summary>Rows matching the filter in the current snapshot.</summary>
    public int MatchingCount => _snapshot.Count;

    protected override void OnParametersSet()
    {
        // A new filter applies at once, even while paused: the user asked for other rows.
        var resumed = _wasPaused && !Paused;
        _wasPaused = Paused;
        if (_snapshotFilter is null || _snapshotFilter != Filter || resumed)
        {
            TakeSnapshot();
            _reloadAfterRender = _grid is not null;
        }
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (_reloadAfterRender && _grid is not null)
        {
            _reloadAfterRender = false;
            await _grid.ReloadServerData();
        }
    }

    /// <summary>Takes a new snapshot (unless paused) and re-renders the visible rows.</summary>
    public Task RefreshAsync()
    {
        if (!Paused)
            TakeSnapshot();
        return _grid?.ReloadServerData() ?? Task.CompletedTask;
    }

    private void TakeSnapshot()
    {
        var version = Store.TotalAppended;
        if (version == _snapshotVersion && _snapshotFilter == Filter)
            return;
        _snapshot = Store.Query(Filter);
        _snapshotVersion = version;
        _snapshotFilter = Filter;
    }

    private Task<GridData<ConnectionRecord>> LoadAsync(GridStateVirtualize<ConnectionRecord> state, CancellationToken ct)
    {
        IReadOnlyList<ConnectionRecord> rows = _snapshot;
        if (state.SortDefinitions.FirstOrDefault() is { } sort)
        {
            // Scrolling asks for other windows of the same rows: sort each snapshot once.
            if (_sorted is not { } cached || !ReferenceEquals(cached.Of, _snapshot) || cached.By != sort)
            {
                IComparer<object?> comparer = sort.Comparer ?? Comparer<object?>.Default;
                var sorted = _snapshot.ToList();
                sorted.Sort((a, b) => (sort.Descending ? -1 : 1) * comparer.Compare(sort.SortFunc(a), sort.SortFunc(b)));
                _sorted = cached = (_snapshot, sort, sorted);
            }
            rows = cached.Rows;
        }
        return Task.FromResult(new GridData<ConnectionRecord>
        {
            Items = rows.Skip(state.StartIndex).Take(state.Count).ToList(),
            TotalItems = rows.Count,
        });
    }

    private Task OnRowClickAsync(DataGridRowClickEventArgs<ConnectionRecord> e) => RowSelected.InvokeAsync(e.Item);

    private static string RowClass(ConnectionRecord r, int index) =>
        r.CloseReason is CloseReason.Rst or CloseReason.Refused ? "nt-row nt-row-rst" : "nt-row";

    internal static string Endpoint(IPAddress a, int port) =>
        a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{a}]:{port}" : $"{a}:{port}";

    internal static Color ReasonColor(CloseReason r) => r switch
    {
        CloseReason.Fin => Color.Success,
        CloseReason.Rst or CloseReason.Refused => Color.Error,
        CloseReason.Unanswered or CloseReason.Timeout => Color.Warning,
        _ => Color.Default,
    };
}
