using Microsoft.Extensions.Options;

namespace NeTracker.Web.Configuration;

/// <summary>
/// The one way an options class is registered (after Aspire Dashboard's): bound to its section,
/// checked by its <c>Validate…Options</c> (every problem at once, so one start shows everything
/// to fix), and checked when the host starts, before anything uses it.
/// </summary>
public static class OptionsRegistration
{
    public static OptionsBuilder<TOptions> AddNeTrackerOptions<TOptions, TValidator>(
        this IServiceCollection services, IConfiguration configuration, string section)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        services.AddSingleton<IValidateOptions<TOptions>, TValidator>();
        return services.AddOptions<TOptions>().Bind(configuration.GetSection(section)).ValidateOnStart();
    }

    /// <summary>A class with nothing that can be wrong: bound the same way, no validator.</summary>
    public static OptionsBuilder<TOptions> AddNeTrackerOptions<TOptions>(this IServiceCollection services, IConfiguration configuration, string section)
        where TOptions : class =>
        services.AddOptions<TOptions>().Bind(configuration.GetSection(section)).ValidateOnStart();

    /// <summary>The options as bound, for what registration itself must decide (whether to add a
    /// service at all); their validation runs at start like every other's.</summary>
    public static TOptions Read<TOptions>(this IConfiguration configuration, string section) where TOptions : new() =>
        configuration.GetSection(section).Get<TOptions>() ?? new TOptions();
}
