using System.Net;
using System.Text;
using System.Text.Json;
using City.Contract.Wire;
using City.Protocols.Talq;

namespace City.Central.Tests;

/// <summary>The lighting API as the tests use it, and the programs of the city's example ("on at dusk, 50% from 23:00 to 05:00, off at dawn, full power on 14 July").</summary>
internal static class LightingApi
{
    public const string NightDim = """
        {"type":"ControlProgramOne","id":"night-dim","ownerCMS":"central","activePeriods":[{"name":"AstroClockActivePeriod","sunsetOffset":0,"sunriseOffset":0}],
         "fixedTimeControls":[{"startTime":"12:00:00","command":{"state":{"name":"LevelState","value":100}}},{"startTime":"23:00:00","command":{"state":{"name":"LevelState","value":50}}},{"startTime":"05:00:00","command":{"state":{"name":"LevelState","value":100}}}]}
        """;

    public const string FullNight = """
        {"type":"ControlProgramOne","id":"full-night","ownerCMS":"central","activePeriods":[{"name":"AstroClockActivePeriod","sunsetOffset":0,"sunriseOffset":0}],
         "fixedTimeControls":[{"startTime":"12:00:00","command":{"state":{"name":"LevelState","value":100}}}]}
        """;

    public const string Dijon = """
        {"id":"dijon","ownerCMS":"central","rules":[{"startDate":"--07-14","endDate":"--07-14","program":"full-night"},{"program":"night-dim"}]}
        """;

    /// <summary>A program of one fixed level all night, named <paramref name="id"/>.</summary>
    public static string Fixed(string id, int level) =>
        "{\"type\":\"ControlProgramOne\",\"id\":\"" + id + "\",\"ownerCMS\":\"central\",\"activePeriods\":[{\"name\":\"AstroClockActivePeriod\",\"sunsetOffset\":0,\"sunriseOffset\":0}],"
        + "\"fixedTimeControls\":[{\"startTime\":\"12:00:00\",\"command\":{\"state\":{\"name\":\"LevelState\",\"value\":" + level.ToString(System.Globalization.CultureInfo.InvariantCulture) + "}}}]}";

    /// <summary>A calendar running <paramref name="program"/> every day.</summary>
    public static string Every(string id, string program) =>
        $$"""{"id":"{{id}}","ownerCMS":"central","rules":[{"program":"{{program}}"}]}""";

    public static string Assignment(string calendar, string line = "lights-a", int? group = null) =>
        JsonSerializer.Serialize(new { dayOffset = 12, groups = new[] { new { line, group, calendar } } });

    public static async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(HttpClient http, HttpMethod method, string path, string? json = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    public static Task<(HttpStatusCode Status, JsonElement Body)> PutAsync(HttpClient http, string path, string json) => SendAsync(http, HttpMethod.Put, path, json);

    /// <summary>PUTs and expects 200 or 201.</summary>
    public static async Task<JsonElement> PutOkAsync(HttpClient http, string path, string json)
    {
        var (status, body) = await PutAsync(http, path, json);
        Assert.True(status is HttpStatusCode.OK or HttpStatusCode.Created, $"PUT {path} answered {(int)status}: {body}");
        return body;
    }

    /// <summary>Stores the example's two programs and its calendar.</summary>
    public static async Task PutExampleAsync(HttpClient http)
    {
        await PutOkAsync(http, "/api/v1/lighting/control-programs/night-dim", NightDim);
        await PutOkAsync(http, "/api/v1/lighting/control-programs/full-night", FullNight);
        await PutOkAsync(http, "/api/v1/lighting/calendars/dijon", Dijon);
    }

    /// <summary>The gateway's entry of GET /api/v1/lighting/status.</summary>
    public static async Task<JsonElement> StatusAsync(CentralHost central, string gateway)
    {
        var all = await central.GetJsonAsync("/api/v1/lighting/status");
        return all.EnumerateArray().Single(s => s.GetProperty("gateway").GetString() == gateway);
    }

    public static async Task<JsonElement> WaitForStateAsync(CentralHost central, string gateway, string state)
    {
        JsonElement last = default;
        await Wait.UntilAsync(async () =>
        {
            last = await StatusAsync(central, gateway);
            return last.GetProperty("state").GetString() == state;
        }, TimeSpan.FromSeconds(10), $"lighting status {state} at {gateway} (last {last})");
        return last;
    }

    /// <summary>
    /// Takes the gateway's next set and answers it DONE, as an edge that applied it (an unanswered command would be
    /// sent again with the gateway's next one); returns once central stored the result.
    /// </summary>
    public static async Task<(CommandBody Body, LightingSet Set)> ApplyNextAsync(CentralHost central, CommandGateway gateway, ulong resultSeq)
    {
        var (body, set) = await NextSetAsync(central, gateway);
        await gateway.ResultAsync(body.Id, CommandStatus.Done, resultSeq, detail: "applied " + set.Version);
        await gateway.AckOfResultAsync(resultSeq);
        return (body, set);
    }

    /// <summary>The next command of the gateway, verified, which must be a lighting_config; its set parsed.</summary>
    public static async Task<(CommandBody Body, LightingSet Set)> NextSetAsync(CentralHost central, CommandGateway gateway)
    {
        var body = CommandGateway.Verify(await gateway.NextCommandAsync(), Path.Combine(central.PkiDirectory, "command-signing.pub"));
        Assert.Equal(CommandBody.ActionOneofCase.LightingConfig, body.ActionCase);
        Assert.True(TalqJson.TryParseSet(body.LightingConfig.SetJson, out var set, out var errors), string.Join(" ", errors));
        return (body, set!);
    }
}
