using System.Net;
using System.Text.Json;

namespace NeTracker.Web.Tests.Security;

/// <summary>
/// /healthz is anonymous (container and load-balancer checks cannot sign in) but tells an
/// anonymous caller only the status word; the checks' details (paths, errors) need credentials.
/// </summary>
public sealed class HealthzTests
{
    [Fact]
    public async Task Anonymous_callers_get_the_status_only_authenticated_ones_the_details()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var app = new NeTrackerAppFactory();
        using var anonymous = app.CreateClient(new() { AllowAutoRedirect = false });
        using var plain = await anonymous.GetAsync("/healthz", ct);
        Assert.Equal(HttpStatusCode.OK, plain.StatusCode);
        using (var doc = JsonDocument.Parse(await plain.Content.ReadAsStringAsync(ct)))
        {
            Assert.Equal("Healthy", doc.RootElement.GetProperty("status").GetString());
            Assert.False(doc.RootElement.TryGetProperty("checks", out _));
        }

        using var api = app.CreateAuthenticatedClient();
        using var detailed = await api.GetAsync("/healthz", ct);
        using var full = JsonDocument.Parse(await detailed.Content.ReadAsStringAsync(ct));
        Assert.NotEmpty(full.RootElement.GetProperty("checks").EnumerateArray());
    }
}
