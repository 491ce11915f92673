using City.Contract;

namespace City.Edge.Configuration;

/// <summary>The small checks every validator of the configuration shares; each failure is added to the list with its key.</summary>
internal static class ConfigChecks
{
    public const int MinPeriodMs = 10;
    public const int MaxPeriodMs = 86_400_000;

    /// <summary>Device and point names: the same alphabet as gateway ids, so point ids stay unambiguous.</summary>
    public static bool IsValidName(string? name) => GatewayIds.IsValid(name);

    public static void Require(List<string> errors, bool condition, string message)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (!condition)
        {
            errors.Add(message);
        }
    }

    public static bool Range(List<string> errors, string key, long value, long min, long max)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (value < min || value > max)
        {
            errors.Add($"{key}: must be {min}-{max} (got {value})");
            return false;
        }

        return true;
    }
}
