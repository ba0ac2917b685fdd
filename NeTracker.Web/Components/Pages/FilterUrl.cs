using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using NeTracker.Web.Api;
using NeTracker.Web.Store;

namespace NeTracker.Web.Components.Pages;

/// <summary>
/// A page's filters in its URL, with the REST API's parameter names and parser (so a page URL's
/// query is also a valid /api/connections.csv query, minus the page's own keys such as the chart
/// range): views can be shared, bookmarked and reloaded.
/// </summary>
internal static class FilterUrl
{
    /// <summary>
    /// The filter in <paramref name="uri"/>; keys in <paramref name="pageKeys"/> go to
    /// <paramref name="page"/>, every problem with the rest to <paramref name="errors"/> (the
    /// filter then keeps what did parse).
    /// </summary>
    public static ConnectionFilter Parse(string uri, IReadOnlyCollection<string> pageKeys,
        out Dictionary<string, string> page, out List<string> errors)
    {
        var query = QueryHelpers.ParseQuery(new Uri(uri).Query);
        page = query.Where(kv => pageKeys.Contains(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value.ToString(), StringComparer.Ordinal);
        var filterOnly = new QueryCollection(query.Where(kv => !pageKeys.Contains(kv.Key))
            .ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal));
        return ConnectionQuery.Parse(filterOnly, paging: false, out errors).Filter;
    }

    /// <summary><paramref name="path"/> with the filter and the page's own keys (null values left out).</summary>
    public static string Build(string path, ConnectionFilter filter, params (string Key, string? Value)[] page)
    {
        var url = path + ConnectionFilterQuery.ToQueryString(filter);
        foreach (var (key, value) in page)
        {
            if (value is not null)
                url = QueryHelpers.AddQueryString(url, key, value);
        }
        return url;
    }

    /// <summary>
    /// The filter without the drill-down parts: the time range and a heat-map cell's duration bin
    /// (its lower bound too, which is not a minimum the user typed when an upper bound came with it).
    /// </summary>
    public static ConnectionFilter WithoutSelection(ConnectionFilter f) => f with
    {
        FromUtc = null,
        ToUtc = null,
        MinDurationNs = f.MaxDurationNs is null ? f.MinDurationNs : null,
        MaxDurationNs = null,
    };
}
