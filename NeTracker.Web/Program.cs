using NeTracker.Web;

var builder = WebApplication.CreateBuilder(args);

builder.AddNeTracker();

var app = builder.Build();
app.UseNeTracker();
app.Run();

/// <summary>Visible to WebApplicationFactory in tests.</summary>
public partial class Program;
