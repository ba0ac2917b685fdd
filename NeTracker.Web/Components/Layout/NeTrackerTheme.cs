using MudBlazor;

namespace NeTracker.Web.Components.Layout;

/// <summary>One theme, light and dark palettes; the layout switches between them.</summary>
public static class NeTrackerTheme
{
    public static MudTheme Theme { get; } = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#1565c0",
            Secondary = "#00897b",
            AppbarBackground = "#0d47a1",
        },
        PaletteDark = new PaletteDark
        {
            Primary = "#64b5f6",
            Secondary = "#4db6ac",
        },
    };
}
