using System.Net;
using Microsoft.AspNetCore.Components;
using NeTracker.Probe.Model;
using NeTracker.Web.Store;

namespace NeTracker.Web.Components.Controls;

/// <summary>
/// Edits a <see cref="ConnectionFilter"/>: host (when several), interface, address, port,
/// direction, close reason, program (part of comm or unit), minimum duration. An address that does not parse is shown as an
/// error and not applied; everything else applies as it is typed.
/// </summary>
public partial class ConnectionFilterBar
{
    private string _host = "";
    private string _interface = "";
    private string? _address;
    private string? _addressError;
    private int? _port;
    private string _direction = "";
    private string _reason = "";
    private string _had = "";
    private double? _minMs;
    private string? _program;
    private string? _name;
    private string? _nameError;

    [Parameter] public IReadOnlyList<string> Interfaces { get; set; } = [];

    [Parameter] public IReadOnlyList<string> Hosts { get; set; } = [];

    [Parameter] public EventCallback<ConnectionFilter> FilterChanged { get; set; }

    /// <summary>
    /// The page's filter (from its URL): the fields show it whenever it changes from outside —
    /// a reload, a shared link, a click on a top-list row. Fields it does not edit are ignored.
    /// </summary>
    [Parameter] public ConnectionFilter? Value { get; set; }

    private ConnectionFilter? _shown;

    protected override void OnParametersSet()
    {
        if (Value is null || Value == _shown)
            return;
        _shown = Value;
        _host = Value.Host ?? "";
        _interface = Value.Interface ?? "";
        _address = Value.Address?.ToString();
        _addressError = null;
        _port = Value.Port;
        _direction = Value.Direction is { } d ? SchemaNames.Of(d) : "";
        _reason = Value.CloseReason is { } r ? SchemaNames.Of(r) : "";
        _had = Value.Had is { } had ? ConnectionTroubleNames.Of(had) : "";
        _minMs = Value.MinDurationNs is { } ns ? ns / 1e6 : null;
        _name = Value.ServerName;
        _nameError = null;
    }

    private async Task Set(Action change)
    {
        change();
        if (Build() is { } filter)
        {
            // What the page will hand back as Value: do not reload the fields from it.
            _shown = Value is null ? filter : filter with { FromUtc = Value.FromUtc, ToUtc = Value.ToUtc, MaxDurationNs = Value.MaxDurationNs };
            await FilterChanged.InvokeAsync(filter);
        }
    }

    internal ConnectionFilter? Build()
    {
        IPAddress? address = null;
        _addressError = null;
        if (!string.IsNullOrWhiteSpace(_address) && !IPAddress.TryParse(_address.Trim(), out address))
        {
            _addressError = "not an IPv4 or IPv6 address";
            return null;
        }
        _nameError = null;
        var name = NamePattern.Normalize(_name);
        if (!string.IsNullOrWhiteSpace(_name) && name is null)
        {
            _nameError = "a server name (a-z, 0-9, -, _, .), * for any run";
            return null;
        }
        return new ConnectionFilter
        {
            Host = NullIfEmpty(_host),
            Interface = NullIfEmpty(_interface),
            Address = address,
            Port = _port,
            Direction = SchemaNames.TryParseDirection(_direction, out var d) ? d : null,
            CloseReason = SchemaNames.TryParseCloseReason(_reason, out var r) ? r : null,
            Had = ConnectionTroubleNames.TryParse(_had, out var had) ? had : null,
            MinDurationNs = _minMs is > 0 ? (long)(_minMs.Value * 1e6) : null,
            Program = string.IsNullOrWhiteSpace(_program) ? null : _program.Trim(),
            ServerName = name,
        };
    }

    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;
}
