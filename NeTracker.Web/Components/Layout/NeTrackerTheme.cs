using MudBlazor;

namespace NeTracker.Web.Components.Layout;

/// <summary>
/// One theme, light and dark palettes; the layout switches between them. Status colours and
/// secondary text are darker (light) or lighter (dark) than MudBlazor's defaults so that text
/// in them meets WCAG AA contrast (4.5:1) — axe-core checks it in the browser tests.
/// </summary>
public static class NeTrackerTheme
{
    public static MudTheme Theme { get; } = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#1565c0",
            Secondary = "#00796b",
            AppbarBackground = "#0d47a1",
            Info = "#0b5cad",
            Success = "#2e7d32",
            Warning = "#9a4a00",
            Error = "#c62828",
            TextSecondary = "rgba(0,0,0,0.66)",
        },
        PaletteDark = new PaletteDark
        {
            Primary = "#64b5f6",
            PrimaryContrastText = "#0b1d33",
            Secondary = "#4db6ac",
            SecondaryContrastText = "#06201d",
            Info = "#90caf9",
            Success = "#81c784",
            Warning = "#ffb74d",
            Error = "#ffb4ab",
            TextPrimary = "rgba(255,255,255,0.90)",
            TextSecondary = "rgba(255,255,255,0.74)",
            TableStriped = "rgba(255,255,255,0.05)",
            TableHover = "rgba(255,255,255,0.10)",
            DrawerText = "rgba(255,255,255,0.86)",
            DrawerIcon = "rgba(255,255,255,0.86)",
            ActionDefault = "rgba(255,255,255,0.80)",
        },
    };
}
