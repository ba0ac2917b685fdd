using NeTracker.Web;
using NeTracker.Web.Security;

// hash-password, new-api-key NAME, hash-key: helpers for the security configuration (docs/security.md).
if (SecurityCommandLine.TryRun(args, out var exitCode))
{
    Environment.ExitCode = exitCode;
    return;
}

var builder = WebApplication.CreateBuilder(args);

builder.AddNeTracker();

var app = builder.Build();
app.UseNeTracker();
app.Run();

/// <summary>Visible to WebApplicationFactory in tests.</summary>
public partial class Program;
