using System.Diagnostics;
using System.Security.Cryptography;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using NeTracker.Probe;
using InterfacesPage = NeTracker.Web.Components.Pages.Interfaces;
using TestContext = Xunit.TestContext;
using NeTracker.Web.Configuration;
using NeTracker.Web.Ingest;

namespace NeTracker.Web.Tests.Components.Pages;

public sealed class InterfacesPageWithoutProbeTests : DashboardContext
{
    [Fact]
    public void Says_there_is_no_local_probe()
    {
        var cut = Render<InterfacesPage>();
        Assert.Contains("remote agents", cut.Find("#probe-unavailable").TextContent);
        Assert.Empty(cut.FindAll("[data-action]"));
    }
}

/// <summary>
/// The page against the real probe (root, real tc): a veth pair made for the test is listed
/// with its address, attached and detached through the confirmation dialog, and an attach that
/// fails (the interface vanished) shows the probe's message in a snackbar.
/// </summary>
[Trait("Category", "Kernel")]
public sealed class InterfacesPageTests : DashboardContext, IAsyncLifetime
{
    private readonly string _veth = "ntwi" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
    private readonly string _peer = "ntwp" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));

    private readonly ConnectionProbe _probe = new(new ProbeOptions
    {
        InstanceName = "bunit" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3)),
        DetachOnDispose = true,
    });

    public InterfacesPageTests() => Services.AddSingleton<IConnectionProbe>(_probe);

    protected override LiveOptions LiveOptions { get; } = new() { LocalProbe = true, UpdateInterval = TimeSpan.FromMilliseconds(100) };

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        await Ip(ct, "link", "add", _veth, "type", "veth", "peer", "name", _peer);
        await Ip(ct, "addr", "add", "198.18.77.1/30", "dev", _veth);
        await Ip(ct, "link", "set", _veth, "up");
        await Ip(ct, "link", "set", _peer, "up");
        var host = Services.GetRequiredService<ProbeHostedService>();
        await host.StartAsync(ct);
        Assert.NotNull(await host.Ready.WaitAsync(TimeSpan.FromSeconds(60), ct));
    }

    protected override async ValueTask DisposeAsyncCore()
    {
        try
        {
            await base.DisposeAsyncCore();
            // The container does not dispose an instance it was given: the probe detaches itself,
            // removes its pins and its tracefs instance here.
            await _probe.DisposeAsync();
        }
        finally
        {
            await TryIp("link", "del", _veth); // even when a dispose above failed
        }
    }

    [Fact]
    public async Task Attach_and_detach_a_veth_with_confirmation_and_report_failures()
    {
        var ct = TestContext.Current.CancellationToken;
        var cut = Render(b =>
        {
            b.OpenComponent<MudDialogProvider>(0);
            b.CloseComponent();
            b.OpenComponent<MudSnackbarProvider>(1);
            b.CloseComponent();
            b.OpenComponent<InterfacesPage>(2);
            b.CloseComponent();
        });
        var attach = $"[data-action=attach][data-interface={_veth}]";
        cut.WaitForElement(attach, TimeSpan.FromSeconds(30));
        Assert.Contains("198.18.77.1", cut.Find("#interfaces-table").TextContent);

        await ClickAndConfirm(cut, attach, "Attach");
        cut.WaitForElement($"[data-action=detach][data-interface={_veth}]", TimeSpan.FromSeconds(30));
        Assert.Contains("nt_ingress", await NeTracker.Testing.Hooks.ShowAsync(_veth, "ingress"));
        cut.WaitForAssertion(() => Assert.Contains($"Attached to {_veth}", cut.Markup));

        await ClickAndConfirm(cut, $"[data-action=detach][data-interface={_veth}]", "Detach");
        cut.WaitForElement(attach, TimeSpan.FromSeconds(30));
        Assert.DoesNotContain("nt_ingress", await NeTracker.Testing.Hooks.ShowAsync(_veth, "ingress"));

        // The interface disappears between listing and clicking: the probe's message is shown.
        await Ip(ct, "link", "del", _veth);
        await ClickAndConfirm(cut, attach, "Attach");
        cut.WaitForAssertion(() => Assert.Contains(_veth, cut.Find(".mud-snackbar.mud-alert-filled-error, .mud-snackbar").TextContent), TimeSpan.FromSeconds(30));
        Assert.NotEmpty(cut.FindAll(attach));
    }

    private static async Task ClickAndConfirm(IRenderedComponent<Microsoft.AspNetCore.Components.IComponent> cut, string selector, string yes)
    {
        // The click's handler waits for the dialog's answer: do not await it before answering.
        var click = cut.Find(selector).ClickAsync(new());
        var button = cut.WaitForElements(".mud-dialog .mud-button-root").Single(b => b.TextContent.Trim() == yes);
        await button.ClickAsync(new());
        await click;
    }

    private static async Task Ip(CancellationToken ct, params string[] args) => await Run("ip", args, ct);

    private static async Task TryIp(params string[] args)
    {
        try
        {
            await Run("ip", args, CancellationToken.None);
        }
        catch (InvalidOperationException)
        {
        }
    }

    private static async Task<string> Run(string file, string[] args, CancellationToken ct)
    {
        var psi = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        var output = await p.StandardOutput.ReadToEndAsync(ct);
        var error = await p.StandardError.ReadToEndAsync(ct);
        await p.WaitForExitAsync(ct);
        return p.ExitCode == 0 ? output : throw new InvalidOperationException($"{file} {string.Join(' ', args)}: {error}");
    }
}
