using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Routing;

namespace NeTracker.Web.Components;

/// <summary>
/// A page whose state is its URL (filters, range): it applies the URL it opens at and every URL
/// navigation brings it to (links, Back, its own NavigateTo), then re-renders; it stops following
/// when it goes away. Reloads and shared links therefore show the same view.
/// </summary>
public abstract class UrlDrivenPage : ComponentBase, IDisposable
{
    [Inject] protected NavigationManager Navigation { get; set; } = null!;

    /// <summary>Reads the page's state from <paramref name="uri"/>.</summary>
    protected abstract Task ApplyUrlAsync(string uri);

    /// <summary>Applies the current URL, then follows navigation.</summary>
    protected async Task FollowUrlAsync()
    {
        Navigation.LocationChanged += OnLocationChanged;
        await ApplyUrlAsync(Navigation.Uri);
    }

    private void OnLocationChanged(object? sender, LocationChangedEventArgs e) => _ = InvokeAsync(async () =>
    {
        await ApplyUrlAsync(e.Location);
        StateHasChanged();
    });

    public void Dispose()
    {
        Navigation.LocationChanged -= OnLocationChanged;
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases what the page holds besides the navigation subscription.</summary>
    protected virtual void Dispose(bool disposing)
    {
    }
}
