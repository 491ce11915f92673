using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace City.Central.Store;

/// <summary>
/// Where a page ended, as opaque text for clients: the last item's timestamp, its series (gateway, point) and its
/// ordinal among the items of that series with that same timestamp (0 = the first received). Resuming skips every item
/// at or before that position in the total order, so pages never repeat or skip, even when more items than a page
/// share one millisecond. A store may use it or encode its own.
/// </summary>
internal readonly record struct HistoryCursor(long TimestampUnixMs, string GatewayId, string Point, long Ordinal)
{
    private const string Prefix = "c1";

    public string Encode() =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{Prefix}|{TimestampUnixMs}|{Ordinal}|{GatewayId}|{Point}")));

    /// <summary>Null for a null or empty text; throws <see cref="InvalidCursorException"/> for text this type did not make.</summary>
    public static HistoryCursor? Decode(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(text));
        }
        catch (FormatException)
        {
            throw new InvalidCursorException($"cursor: '{Shorten(text)}' is not a cursor this server handed out.");
        }

        var parts = decoded.Split('|', 5);
        if (parts.Length != 5 || parts[0] != Prefix
            || !long.TryParse(parts[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var ts)
            || !long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var ordinal))
        {
            throw new InvalidCursorException($"cursor: '{Shorten(text)}' is not a cursor this server handed out.");
        }

        return new HistoryCursor(ts, parts[3], parts[4], ordinal);
    }

    /// <summary>Orders series as the total order does: gateway id, then point id, both ordinal.</summary>
    public static int CompareSeries(string gatewayA, string pointA, string gatewayB, string pointB)
    {
        var byGateway = string.CompareOrdinal(gatewayA, gatewayB);
        return byGateway != 0 ? byGateway : string.CompareOrdinal(pointA, pointB);
    }

    /// <summary>
    /// True when an item (timestamp, series, ordinal among that series' items of that timestamp) lies strictly after
    /// the cursor in the total order.
    /// </summary>
    public bool IsBefore(long timestampUnixMs, string gatewayId, string point, long ordinal)
    {
        if (timestampUnixMs != TimestampUnixMs)
        {
            return timestampUnixMs > TimestampUnixMs;
        }

        var series = CompareSeries(gatewayId, point, GatewayId, Point);
        return series != 0 ? series > 0 : ordinal > Ordinal;
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "...";
}
