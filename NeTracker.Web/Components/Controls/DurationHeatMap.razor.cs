using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;
using NeTracker.Web.Store;

namespace NeTracker.Web.Components.Controls;

/// <summary>
/// The latency heat map: time across, duration up on a log axis of 1-2-5 bins, colour = how
/// many connections ended in that time column with that duration. It shows what three
/// percentile lines hide — a fast path and a slow path as two bands, the odd outlier — and
/// draws p50/p95/p99 over the cells. Dragging across it selects a time range, a click selects
/// one cell (time column × duration bin): both go to <see cref="Selected"/>.
/// </summary>
/// <remarks>
/// Its own SVG rather than MudBlazor 9.12's <c>ChartType.HeatMap</c>: that one is a
/// GitHub-contributions grid (a category label per column, numbers printed in each cell), with no
/// value axis, no line overlay and no range selection. Here the cells are an SVG stretched to the
/// plot (no text inside it), and the axes are HTML, so labels stay 12 px at any width.
/// </remarks>
public sealed partial class DurationHeatMap : IAsyncDisposable
{
    private const int MinRows = 9; // three decades, so one band still sits in context
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    private ElementReference _plot;
    private ChartBrush? _brush;
    private IReadOnlyList<HeatColumn>? _rendered;
    private int _lo, _hi = MinRows - 1, _bands;
    private long _total, _max;
    private List<(int Bin, string Label)> _yTicks = [];
    private IReadOnlyList<DateTime> _xTicks = [];
    private List<(string Class, string Path)> _lines = [];
    private string _timeFormat = "HH:mm:ss";

    [Inject] private IJSRuntime JS { get; set; } = null!;

    /// <summary>Columns oldest first, each <see cref="ColumnWidth"/> wide, without gaps.</summary>
    [Parameter, EditorRequired] public required IReadOnlyList<HeatColumn> Columns { get; set; }

    [Parameter] public TimeSpan ColumnWidth { get; set; } = TimeSpan.FromSeconds(1);

    [Parameter] public string Id { get; set; } = "duration-heatmap";

    [Parameter] public string Title { get; set; } = "Duration heat map";

    [Parameter] public string Scope { get; set; } = "all interfaces";

    /// <summary>The page's current selection, drawn as a band when it overlaps the map.</summary>
    [Parameter] public ChartSelection? Selection { get; set; }

    [Parameter] public EventCallback<ChartSelection> Selected { get; set; }

    /// <summary>What to show when no connection ended in the range (say what to do).</summary>
    [Parameter] public RenderFragment? EmptyContent { get; set; }

    private int Rows => _hi - _lo + 1;

    private DateTime Start => Columns.Count > 0 ? Columns[0].StartUtc : DateTime.UnixEpoch;

    private DateTime End => Columns.Count > 0 ? Columns[^1].StartUtc + ColumnWidth : DateTime.UnixEpoch;

    private string Summary => _total == 0
        ? "No connections in this range."
        : $"{_total:N0} connections from {DurationBinAxis.Label(_lo)} to {DurationBinAxis.Label(_hi)}, {_bands} separate duration band(s); the table below lists them.";

    protected override void OnParametersSet()
    {
        if (ReferenceEquals(Columns, _rendered))
            return;
        _rendered = Columns;
        var rowTotals = new long[DurationBinAxis.Count];
        foreach (var c in Columns)
        {
            for (var b = 0; b < DurationBinAxis.Count; b++)
                rowTotals[b] += c.Counts[b];
        }
        _total = rowTotals.Sum();
        _max = Columns.Count == 0 ? 0 : Columns.Max(c => c.Counts.Max());
        _bands = CountBands(rowTotals);
        (_lo, _hi) = RowRange(rowTotals);
        _yTicks = [.. Enumerable.Range(_lo, Rows).Where(b => b % 3 == 0 || Rows <= 6).Select(b => (b, DurationBinAxis.Label(b)))];
        _xTicks = HeatMapScale.TimeTicks(Start, End);
        _timeFormat = HeatMapScale.TimeFormat(End - Start);
        _lines =
        [
            ("nt-p50", Line(c => c.P50Ns)),
            ("nt-p95", Line(c => c.P95Ns)),
            ("nt-p99", Line(c => c.P99Ns)),
        ];
    }

    /// <summary>Rows with data, one empty bin of margin each side, widened to at least <see cref="MinRows"/>.</summary>
    internal static (int Lo, int Hi) RowRange(long[] rowTotals)
    {
        var first = Array.FindIndex(rowTotals, n => n > 0);
        var last = Array.FindLastIndex(rowTotals, n => n > 0);
        if (first < 0)
            (first, last) = (9, 9); // 1 ms: an empty map shows the ms decades
        var lo = Math.Max(0, first - 1);
        var hi = Math.Min(DurationBinAxis.Count - 1, last + 1);
        while (hi - lo + 1 < MinRows)
        {
            if (lo > 0)
                lo--;
            if (hi - lo + 1 < MinRows && hi < DurationBinAxis.Count - 1)
                hi++;
        }
        return (lo, hi);
    }

    /// <summary>Groups of non-empty duration bins separated by at least one empty bin: 2 for a fast and a slow path.</summary>
    internal static int CountBands(long[] rowTotals)
    {
        var bands = 0;
        for (var b = 0; b < rowTotals.Length; b++)
        {
            if (rowTotals[b] > 0 && (b == 0 || rowTotals[b - 1] == 0))
                bands++;
        }
        return bands;
    }

    // One step line per percentile: level across each column that has connections, joined
    // straight across empty columns (a percentile of nothing is not zero, so no drop to the axis).
    private string Line(Func<HeatColumn, long?> value)
    {
        var sb = new StringBuilder();
        for (var c = 0; c < Columns.Count; c++)
        {
            if (value(Columns[c]) is not { } ns)
                continue;
            var y = Math.Clamp(_hi + 1 - DurationBinAxis.Position(ns), 0, Rows);
            sb.Append(Inv, $"{(sb.Length == 0 ? 'M' : 'L')}{c} {y:0.###} L{c + 1} {y:0.###} ");
        }
        return sb.ToString();
    }

    private string CellTitle(HeatColumn c, int bin, long n) =>
        $"{c.StartUtc.ToString("HH:mm:ss", Inv)}–{(c.StartUtc + ColumnWidth).ToString("HH:mm:ss", Inv)} UTC · {DurationBinAxis.RangeLabel(bin)} · {n.ToString("N0", Inv)} connection{(n == 1 ? "" : "s")}";

    private bool SelectedRange(out double x, out double width)
    {
        (x, width) = (0, 0);
        if (Selection is not { } s || Columns.Count == 0 || s.ToUtc <= Start || s.FromUtc >= End)
            return false;
        var perColumn = (double)ColumnWidth.Ticks;
        x = Math.Max(0, (s.FromUtc - Start).Ticks / perColumn);
        width = Math.Min(Columns.Count, (s.ToUtc - Start).Ticks / perColumn) - x;
        return width > 0;
    }

    private static string Pct(double part, double whole) =>
        (whole <= 0 ? 0 : part / whole * 100).ToString("0.###", Inv) + "%";

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (!firstRender)
            return;
        _brush = await ChartBrush.AttachAsync(JS, _plot, this, "plot");
        StateHasChanged(); // data-brush="ready": drags and clicks count from now on

    }

    /// <summary>A drag from fraction <paramref name="x0"/> to <paramref name="x1"/> of the plot's width.</summary>
    [JSInvokable]
    public Task OnPlotDrag(double x0, double x1)
    {
        if (Columns.Count == 0)
            return Task.CompletedTask;
        var from = ChartBrush.At(Start, End, x0, roundUp: false);
        var to = ChartBrush.At(Start, End, x1, roundUp: true);
        return to > from ? Selected.InvokeAsync(new ChartSelection(from, to)) : Task.CompletedTask;
    }

    /// <summary>A click at fractions (<paramref name="x"/>, <paramref name="y"/>) of the plot: that cell.</summary>
    [JSInvokable]
    public Task OnPlotClick(double x, double y)
    {
        if (Columns.Count == 0)
            return Task.CompletedTask;
        var column = Math.Clamp((int)(x * Columns.Count), 0, Columns.Count - 1);
        var bin = Math.Clamp(_hi - (int)(y * Rows), _lo, _hi);
        if (Columns[column].Counts[bin] == 0)
            return Task.CompletedTask;
        var from = Columns[column].StartUtc;
        return Selected.InvokeAsync(new ChartSelection(from, from + ColumnWidth,
            bin == 0 ? null : DurationBinAxis.LowerNs(bin), DurationBinAxis.UpperNs(bin) ?? long.MaxValue));
    }

    public ValueTask DisposeAsync() => _brush?.DisposeAsync() ?? ValueTask.CompletedTask;
}
