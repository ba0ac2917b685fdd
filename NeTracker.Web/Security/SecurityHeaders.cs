namespace NeTracker.Web.Security;

/// <summary>
/// Headers on every response. The CSP is as tight as Blazor Server + MudBlazor allow:
/// scripts only from this origin (blazor.web.js, MudBlazor.min.js; Blazor Server needs no
/// eval), styles from this origin plus inline (MudBlazor sets style attributes and its theme
/// provider writes a &lt;style&gt; element — there is no nonce hook for either), connections
/// only back to this origin (the SignalR circuit and hub WebSockets: CSP 3's 'self' covers
/// ws:/wss: of the same host), and no framing by anyone (clickjacking on attach buttons).
/// The importmap Blazor renders is the one inline script; it carries the per-request nonce
/// from <see cref="CspNonce"/>.
/// </summary>
public sealed class SecurityHeaders(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        var nonce = CspNonce.For(context);
        var h = context.Response.Headers;
        h.ContentSecurityPolicy =
            "default-src 'self'; " +
            $"script-src 'self' 'nonce-{nonce}'; " +
            "style-src 'self' 'unsafe-inline'; " +
            "img-src 'self' data:; " +
            "font-src 'self' data:; " +
            "connect-src 'self'; " +
            "object-src 'none'; " +
            "base-uri 'self'; " +
            "form-action 'self'; " +
            "frame-ancestors 'none'";
        h.XContentTypeOptions = "nosniff";
        h.XFrameOptions = "DENY";
        h["Referrer-Policy"] = "no-referrer";
        h["Cross-Origin-Opener-Policy"] = "same-origin";
        h["Cross-Origin-Resource-Policy"] = "same-origin";
        h["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=(), usb=()";
        if (context.Request.IsHttps)
            h.StrictTransportSecurity = "max-age=31536000";
        return next(context);
    }
}

/// <summary>A random nonce per request, for the few inline scripts the framework writes.</summary>
public static class CspNonce
{
    private static readonly object Key = new();

    public static string For(HttpContext context)
    {
        if (context.Items.TryGetValue(Key, out var v) && v is string s)
            return s;
        // Hex: valid in a CSP nonce and needs no HTML encoding in the attribute.
        var nonce = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        context.Items[Key] = nonce;
        return nonce;
    }
}
