using System.Text.Json.Nodes;

namespace City.EndToEnd.Tests;

/// <summary>Reading points of this stack's gateway back from central's HTTP API.</summary>
internal static class CentralPoints
{
    public static async Task<JsonArray> LatestAsync(CityStack city) =>
        (await city.GetJsonAsync($"/api/v1/points/latest?gateway={city.GatewayId}")).AsArray();

    public static double? NumberOf(JsonArray latest, string id) =>
        latest.FirstOrDefault(p => (string?)p!["id"] == id)?["value"] is JsonValue value && value.TryGetValue<double>(out var number) ? number : null;

    /// <summary>Every text reading of a point that central stored, oldest first.</summary>
    public static async Task<List<string>> TextHistoryAsync(CityStack city, string id)
    {
        var history = await city.GetJsonAsync(
            $"/api/v1/points/history?gateway={city.GatewayId}&point={Uri.EscapeDataString(id)}&from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00Z&limit=100000");
        return history["readings"]!.AsArray().Select(r => r!["value"]?.ToString() ?? string.Empty).ToList();
    }

    /// <summary>A point's latest value as JSON text (true, false, a number, a quoted string), or null.</summary>
    public static string? ValueOf(JsonArray latest, string id) =>
        latest.FirstOrDefault(p => (string?)p!["id"] == id)?["value"]?.ToJsonString();
}
