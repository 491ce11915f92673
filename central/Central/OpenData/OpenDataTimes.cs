using System.Globalization;

namespace City.Central.OpenData;

/// <summary>ISO-8601 times as the datasets write them: local with the offset, or UTC with Z, to the second.</summary>
internal static class OpenDataTimes
{
    public static string Local(DateTimeOffset time) => time.ToString("yyyy-MM-ddTHH:mm:sszzz", CultureInfo.InvariantCulture);

    public static string Utc(long unixMs) => DateTimeOffset.FromUnixTimeMilliseconds(unixMs).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    public static string Date(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
