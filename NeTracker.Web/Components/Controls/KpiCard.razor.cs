using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace NeTracker.Web.Components.Controls;

/// <summary>One number with a title and a caption (the Live page's KPI row).</summary>
public partial class KpiCard
{
    [Parameter, EditorRequired] public required string Key { get; set; }
    [Parameter, EditorRequired] public required string Title { get; set; }
    [Parameter, EditorRequired] public required string Value { get; set; }
    [Parameter] public string? Caption { get; set; }
    [Parameter] public string Icon { get; set; } = Icons.Material.Filled.Timeline;
    [Parameter] public Color IconColor { get; set; } = Color.Primary;
}
