using Microsoft.AspNetCore.Antiforgery;
using Microsoft.Extensions.Options;

namespace NeTracker.Web.Security;

/// <summary>
/// Cross-origin protection for what a browser's cookie can do without the user: open a hub or a
/// Blazor circuit (WebSockets ignore CORS), or send a POST. SameSite=Strict is not enough — another
/// port of the same host is the same site and gets the cookie. So every request that carries no
/// API key and either changes state or goes to a hub must come from the dashboard's own origin
/// (or one of NeTracker:Security:AllowedOrigins); a browser always says where it comes from in
/// Origin (or Sec-Fetch-Site). A POST to /api signed in by cookie needs, in addition, an
/// antiforgery token (the RequestVerificationToken header); scripts use a key instead.
/// </summary>
public sealed class SameOrigin(RequestDelegate next, IOptionsMonitor<SecurityOptions> options, IAntiforgery antiforgery,
    ILogger<SameOrigin> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (ApiKeyAuthenticationHandler.HasKey(request) || !Guarded(request))
        {
            await next(context);
            return;
        }
        if (Refusal(request, options.CurrentValue.AllowedOrigins) is { } reason)
        {
            logger.LogWarning("Refused {Method} {Path} from {Address}: {Reason}", request.Method, request.Path.Value,
                context.Connection.RemoteIpAddress, reason);
            await Refuse(context, reason);
            return;
        }
        if (IsUnsafe(request.Method) && request.Path.StartsWithSegments("/api") && context.User.Identity?.IsAuthenticated == true
            && !await antiforgery.IsRequestValidAsync(context))
        {
            const string noToken = "a signed-in POST to /api needs an antiforgery token (the RequestVerificationToken header " +
                "with the token of a dashboard page); a script sends an API key instead.";
            logger.LogWarning("Refused {Method} {Path} from {Address}: no valid antiforgery token.", request.Method, request.Path.Value,
                context.Connection.RemoteIpAddress);
            await Refuse(context, noToken);
            return;
        }
        await next(context);
    }

    private static bool Guarded(HttpRequest r) =>
        IsUnsafe(r.Method) || r.Path.StartsWithSegments("/hubs") || r.Path.StartsWithSegments("/_blazor")
        || r.Headers.Upgrade.Count > 0 || r.HttpContext.WebSockets.IsWebSocketRequest;

    private static bool IsUnsafe(string method) =>
        !(HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method) || HttpMethods.IsTrace(method));

    /// <summary>Null when the request may go on; otherwise why not (shown to the caller and logged).</summary>
    internal static string? Refusal(HttpRequest request, IReadOnlyList<string> allowed)
    {
        var origin = request.Headers.Origin.ToString();
        var site = request.Headers["Sec-Fetch-Site"].ToString();
        if (origin.Length == 0)
        {
            // No Origin: not a browser (scripts, curl) — or an old browser's same-origin GET, which
            // Sec-Fetch-Site would then call same-origin. A browser never omits both across origins.
            return site is "" or "same-origin" or "none" ? null : $"cross-origin request refused (Sec-Fetch-Site: {Printable(site)}).";
        }
        if (origin == "null")
        {
            // What Chromium sends for a form POST under Referrer-Policy: no-referrer (ours), and what a
            // sandboxed frame sends: only the browser's own Sec-Fetch-Site tells them apart.
            return site == "same-origin" ? null : $"cross-origin request refused: Origin null (Sec-Fetch-Site: {Printable(site)}).";
        }
        var own = Normalize($"{request.Scheme}://{request.Host.Value}");
        var presented = Normalize(origin);
        if (presented is not null && (presented == own || allowed.Any(a => Normalize(a) == presented)))
            return null;
        return $"cross-origin request refused: Origin {Printable(origin)} is not this dashboard's ({own}); behind a reverse proxy, " +
            "add the public origin to NeTracker:Security:AllowedOrigins.";
    }

    /// <summary>scheme://host[:port] in lower case, default ports left out; null when it is not an origin.</summary>
    public static string? Normalize(string? origin)
    {
        if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")
            || uri.AbsolutePath is not ("/" or "") || uri.Query.Length > 0 || uri.Fragment.Length > 0 || uri.UserInfo.Length > 0
            || origin!.TrimEnd('/').Count(c => c == '/') != 2)
            return null;
        return uri.IsDefaultPort ? $"{uri.Scheme}://{uri.IdnHost}" : $"{uri.Scheme}://{uri.IdnHost}:{uri.Port}";
    }

    private static string Printable(string s) => new(s.Take(200).Select(c => char.IsControl(c) ? '?' : c).ToArray());

    private static Task Refuse(HttpContext context, string reason)
    {
        context.Response.StatusCode = StatusCodes.Status403Forbidden;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(reason);
    }
}
