using System.Text.Json.Nodes;

namespace City.EndToEnd.Tests;

/// <summary>Reading points of this stack's gateway back from central's HTTP API.</summary>
internal static class CentralPoints
{
    public static async Task<JsonArray> LatestAsync(CityStack city) =>
        (await city.GetJsonAsync($"/api/v1/points/latest?gateway={city.GatewayId}")).AsArray();

    public static double? NumberOf(JsonArray latest, string id) =>
        latest.FirstOrDefault(p => (string?)p!["id"] == id)?["value"] is JsonValue value && value.TryGetValue<double>(out var number) ? number : null;

    /// <summary>The texts of a point's events in central's events feed (/api/v1/events), oldest first.</summary>
    public static async Task<List<string>> EventTextsAsync(CityStack city, string id)
    {
        var feed = await city.GetJsonAsync($"/api/v1/events?gateway={city.GatewayId}&from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00Z&limit=100000");
        return feed["events"]!.AsArray().Where(e => (string?)e!["point"] == id).Select(e => e!["value"]?.ToString() ?? string.Empty).ToList();
    }

    /// <summary>A point's latest value as JSON text (true, false, a number, a quoted string), or null.</summary>
    public static string? ValueOf(JsonArray latest, string id) =>
        latest.FirstOrDefault(p => (string?)p!["id"] == id)?["value"]?.ToJsonString();
}
