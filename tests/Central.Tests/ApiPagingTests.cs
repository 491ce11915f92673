using System.Net;
using System.Text.Json;
using City.Central.Auth;
using City.Contract;
using City.Contract.Wire;

namespace City.Central.Tests;

/// <summary>Cursor paging of events, history and commands (each item exactly once), and gateways filtered by town and tag.</summary>
public sealed class ApiPagingTests
{
    [Fact]
    public async Task Events_paged_by_cursor_come_each_exactly_once_when_more_than_a_page_share_one_millisecond()
    {
        await using var central = await CentralHost.StartAsync(null, "--Central:AdmitOnBirth=true");
        await using var north = await FakeGateway.ConnectAsync(central.MqttPort, "pg-north");
        await using var south = await FakeGateway.ConnectAsync(central.MqttPort, "pg-south");
        await north.BirthAsync(1);
        await south.BirthAsync(1);
        var t0 = DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeMilliseconds();

        // 23 events of north and 9 of south in the same millisecond, plus a few around it; pages of 5.
        await north.DataAsync(1, [.. Enumerable.Range(0, 23).Select(i => new Reading(3, t0, PointValue.FromText($"n{i}")))], kind: BatchKind.Events);
        await south.DataAsync(1, [.. Enumerable.Range(0, 9).Select(i => new Reading(3, t0, PointValue.FromText($"s{i}"))), new Reading(3, t0 - 1, PointValue.FromText("s-early")), new Reading(3, t0 + 1, PointValue.FromText("s-late"))], kind: BatchKind.Events);
        await north.NextAckAsync();
        await south.NextAckAsync();

        var from = Uri.EscapeDataString(DateTimeOffset.FromUnixTimeMilliseconds(t0 - 1).ToString("O"));
        var to = Uri.EscapeDataString(DateTimeOffset.FromUnixTimeMilliseconds(t0 + 1).ToString("O"));
        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await central.GetJsonAsync($"/api/v1/events?from={from}&to={to}&limit=5{(cursor is null ? string.Empty : "&cursor=" + Uri.EscapeDataString(cursor))}");
            var events = page.GetProperty("events").EnumerateArray().ToList();
            Assert.InRange(events.Count, 1, 5);
            seen.AddRange(events.Select(e => e.GetProperty("value").GetString()!));
            cursor = page.GetProperty("nextCursor").ValueKind == JsonValueKind.Null ? null : page.GetProperty("nextCursor").GetString();
            Assert.Equal(cursor is not null, page.GetProperty("truncated").GetBoolean());
            Assert.True(++pages <= 10, "paging does not end");
        }
        while (cursor is not null);

        string[] expected = ["s-early", .. Enumerable.Range(0, 23).Select(i => $"n{i}"), .. Enumerable.Range(0, 9).Select(i => $"s{i}"), "s-late"];
        Assert.Equal(expected, seen);
        Assert.Equal(7, pages);

        // A cursor this server did not hand out is a 400 naming the parameter, in the error shape.
        var (status, body) = await central.GetAsync($"/api/v1/events?cursor=not-a-cursor");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.StartsWith("cursor:", body.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task History_and_commands_paged_by_cursor_come_each_exactly_once()
    {
        await using var central = await CentralHost.StartAsync(null, "--Central:AdmitOnBirth=true");
        await using var gateway = await FakeGateway.ConnectAsync(central.MqttPort, "pg-hist");
        await gateway.BirthAsync(1);
        var end = DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeMilliseconds();
        await gateway.DataAsync(1, FakeGateway.SampleReadings(23, end));
        await gateway.NextAckAsync();

        var values = new List<double>();
        string? cursor = null;
        do
        {
            var page = await central.GetJsonAsync($"/api/v1/points/history?gateway=pg-hist&point=meter1/power&from=0&limit=4{(cursor is null ? string.Empty : "&cursor=" + Uri.EscapeDataString(cursor))}");
            values.AddRange(page.GetProperty("readings").EnumerateArray().Select(r => r.GetProperty("value").GetDouble()));
            cursor = page.GetProperty("nextCursor").ValueKind == JsonValueKind.Null ? null : page.GetProperty("nextCursor").GetString();
        }
        while (cursor is not null && values.Count < 100);

        Assert.Equal(Enumerable.Range(0, 23).Select(i => 10.5 + i), values);

        // Commands issued in one burst (several in one millisecond), listed two at a time by cursor.
        var ids = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            using var issued = await central.Http.PostAsync(new Uri("/api/v1/commands", UriKind.Relative),
                new StringContent("""{"gateway":"pg-hist","action":"write","device":"meter1","point":"relay","value":true}""", System.Text.Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.Accepted, issued.StatusCode);
            ids.Add(JsonDocument.Parse(await issued.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!);
        }

        var listed = new List<string>();
        cursor = null;
        do
        {
            var page = await central.GetJsonAsync($"/api/v1/commands?limit=2{(cursor is null ? string.Empty : "&cursor=" + Uri.EscapeDataString(cursor))}");
            listed.AddRange(page.GetProperty("commands").EnumerateArray().Select(c => c.GetProperty("id").GetString()!));
            cursor = page.GetProperty("nextCursor").ValueKind == JsonValueKind.Null ? null : page.GetProperty("nextCursor").GetString();
            Assert.Equal(cursor, page.GetProperty("next").ValueKind == JsonValueKind.Null ? null : page.GetProperty("next").GetString());
        }
        while (cursor is not null && listed.Count < 100);

        Assert.Equal(ids.Order(StringComparer.Ordinal), listed.Order(StringComparer.Ordinal));
        Assert.Equal(7, listed.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public async Task Gateways_are_filtered_by_town_and_by_the_tags_operators_give_them()
    {
        var dataPath = CentralHost.NewDataPath();
        try
        {
            await using (var central = await CentralHost.StartAsync(dataPath, "--Central:AdmitOnBirth=true"))
            {
                await TagAndFilterAsync(central);
            }

            // The tags are kept in assets.db: a restarted central filters by them.
            await using var again = await CentralHost.StartAsync(dataPath, "--Central:AdmitOnBirth=true");
            Assert.Equal(["tg-a"], await IdsAsync(again, "?tag=pilot"));
            Assert.Equal(["north", "pilot"], (await again.GetJsonAsync("/api/v1/gateways/tg-a/tags")).GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        }
        finally
        {
            Directory.Delete(dataPath, recursive: true);
        }
    }

    private static async Task<string[]> IdsAsync(CentralHost central, string query) =>
        [.. (await central.GetJsonAsync("/api/v1/gateways" + query)).EnumerateArray().Select(g => g.GetProperty("id").GetString()!).Order(StringComparer.Ordinal)];

    private static async Task TagAndFilterAsync(CentralHost central)
    {
        foreach (var id in new[] { "tg-a", "tg-b", "tg-c" })
        {
            await using var gateway = await FakeGateway.ConnectAsync(central.MqttPort, id);
            await gateway.BirthAsync(1);
            await gateway.DataAsync(1, FakeGateway.SampleReadings(1));
            await gateway.NextAckAsync();
        }

        using (var csv = new StringContent("gateway,lamp_id,town\ntg-a,lights-a/g1,Dijon\ntg-b,lights-a/g1,Beaune\n", System.Text.Encoding.UTF8, "text/csv"))
        using (var imported = await central.Http.PostAsync(new Uri("/api/v1/assets", UriKind.Relative), csv))
        {
            Assert.Equal(HttpStatusCode.OK, imported.StatusCode);
        }

        using var @operator = central.NewClient(central.CreateToken("tag-operator", ApiRole.Operator));
        using var viewer = central.NewClient(central.CreateToken("tag-viewer", ApiRole.Viewer));
        var put = await LightingApi.PutAsync(@operator, "/api/v1/gateways/tg-a/tags", """{"tags":["pilot","north","pilot"]}""");
        Assert.Equal(HttpStatusCode.OK, put.Status);
        Assert.Equal(["north", "pilot"], put.Body.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(HttpStatusCode.OK, (await LightingApi.PutAsync(@operator, "/api/v1/gateways/tg-c/tags", """{"tags":["pilot"]}""")).Status);

        Assert.Equal(HttpStatusCode.Forbidden, (await LightingApi.PutAsync(viewer, "/api/v1/gateways/tg-b/tags", """{"tags":["x"]}""")).Status);
        var bad = await LightingApi.PutAsync(@operator, "/api/v1/gateways/tg-b/tags", """{"tags":["no spaces"]}""");
        Assert.Equal(HttpStatusCode.BadRequest, bad.Status);
        Assert.StartsWith("tags[0]:", bad.Body.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await LightingApi.PutAsync(@operator, "/api/v1/gateways/tg-nobody/tags", """{"tags":["x"]}""")).Status);

        Task<string[]> Ids(string query) => IdsAsync(central, query);

        Assert.Equal(["tg-a", "tg-c"], await Ids("?tag=pilot"));
        Assert.Equal(["tg-a"], await Ids("?tag=pilot&tag=north"));
        Assert.Equal(["tg-a"], await Ids("?town=dijon&tag=pilot"));
        Assert.Equal(["tg-b"], await Ids("?town=Beaune"));
        Assert.Empty(await Ids("?town=Beaune&tag=pilot"));
        Assert.Equal(["tg-a", "tg-b", "tg-c"], await Ids(string.Empty));
        var (status, _) = await central.GetAsync("/api/v1/gateways?tag=bad%20tag");
        Assert.Equal(HttpStatusCode.BadRequest, status);

        var a = (await central.GetJsonAsync("/api/v1/gateways")).EnumerateArray().Single(g => g.GetProperty("id").GetString() == "tg-a");
        Assert.Equal("Dijon", a.GetProperty("town").GetString());
        Assert.Equal(["north", "pilot"], a.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        await LightingApi.PutOkAsync(@operator, "/api/v1/gateways/tg-c/tags", """{"tags":[]}""");
        Assert.Equal(["tg-a"], await Ids("?tag=pilot"));
    }
}
