using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using City.Central.Auth;
using City.Contract;
using City.Contract.Wire;

namespace City.Central.Tests;

/// <summary>
/// The operator page's files (served at / from central's assembly) and the API it reads: the session, the compact map
/// with the lamps' and cabinets' states, the alarm list with acknowledgements, and a gateway's lighting in force.
/// </summary>
public sealed partial class OperatorPageTests
{
    [Fact]
    public async Task The_page_is_served_with_its_modules_icon_types_and_revalidation()
    {
        await using var central = await CentralHost.StartAsync();
        using var anonymous = central.NewClient(null);
        using var index = await anonymous.GetAsync(new Uri("/", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, index.StatusCode);
        Assert.Equal("text/html", index.Content.Headers.ContentType?.MediaType);
        Assert.Equal("no-cache", index.Headers.CacheControl?.ToString());
        Assert.Contains("script-src 'self'", index.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        var html = await index.Content.ReadAsStringAsync();
        Assert.Contains("src=\"/page/app.js\"", html, StringComparison.Ordinal);

        // Every module app.js imports, and the ones they import, is served as JavaScript.
        var pending = new Queue<string>(["app.js"]);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (pending.TryDequeue(out var module))
        {
            if (!seen.Add(module))
            {
                continue;
            }

            using var response = await anonymous.GetAsync(new Uri($"/page/{module}", UriKind.Relative));
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"/page/{module}: {(int)response.StatusCode}");
            Assert.Equal("text/javascript", response.Content.Headers.ContentType?.MediaType);
            foreach (Match import in ImportPattern().Matches(await response.Content.ReadAsStringAsync()))
            {
                pending.Enqueue(import.Groups[1].Value);
            }
        }

        Assert.Superset(new HashSet<string>(["app.js", "api.js", "map.js", "alarms.js", "panel.js", "charts.js", "states.js"]), seen);
        using var css = await anonymous.GetAsync(new Uri("/page/style.css", UriKind.Relative));
        Assert.Equal("text/css", css.Content.Headers.ContentType?.MediaType);
        using var icon = await anonymous.GetAsync(new Uri("/favicon.ico", UriKind.Relative));
        Assert.Equal("image/svg+xml", icon.Content.Headers.ContentType?.MediaType);

        using var again = new HttpRequestMessage(HttpMethod.Get, new Uri("/page/app.js", UriKind.Relative));
        using var first = await anonymous.GetAsync(new Uri("/page/app.js", UriKind.Relative));
        again.Headers.IfNoneMatch.Add(first.Headers.ETag!);
        using var unchanged = await anonymous.SendAsync(again);
        Assert.Equal(HttpStatusCode.NotModified, unchanged.StatusCode);
        using var missing = await anonymous.GetAsync(new Uri("/page/nothing.js", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Session_map_alarms_acknowledgements_and_lighting_in_force_answer_what_the_page_shows()
    {
        await using var central = await CentralHost.StartAsync(null, "--Central:AdmitOnBirth=true");
        using var viewer = central.NewClient(central.CreateToken("night-viewer", ApiRole.Viewer));
        using var operatorClient = central.NewClient(central.CreateToken("night-operator", ApiRole.Operator));
        using var stranger = central.NewClient("cityapi_unknown");

        // Who a token is (the page shows only what the role may do).
        Assert.Equal("""{"name":"night-operator","role":"operator"}""", await TextAsync(operatorClient, "/api/v1/session"));
        Assert.Equal("""{"name":"night-viewer","role":"viewer"}""", await TextAsync(viewer, "/api/v1/session"));
        Assert.Equal(HttpStatusCode.Unauthorized, (await stranger.GetAsync(new Uri("/api/v1/session", UriKind.Relative))).StatusCode);

        // Five lamps of an online cabinet in each state its readings give; one lamp of a cabinet that went offline.
        await using var dijon = await FakeGateway.ConnectAsync(central.MqttPort, "gw-dijon");
        await using var beaune = await FakeGateway.ConnectAsync(central.MqttPort, "gw-beaune");
        var lamps = Enumerable.Range(0, 5).Select(n => Placed(AssetRig.Lamp(n, $"P-{n}"), 47.3210 + (n * 0.0001), 5.0410)).ToList();
        await AssetRig.BirthAsync(dijon, 1, AssetRig.Site("Dijon", "Centre", 47.32, 5.04), lamps);
        await AssetRig.BirthAsync(beaune, 1, AssetRig.Site("Beaune", "", 47.02, 4.84), [Placed(AssetRig.Lamp(7), 47.021, 4.841)]);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        Reading Level(int lamp, double arc) => new(AssetRig.Alias(lamp, "level"), now, PointValue.FromNumber(arc));
        Reading Flag(int lamp, string quantity, bool value) => new(AssetRig.Alias(lamp, quantity), now, PointValue.FromBoolean(value));
        await AssetRig.SendAsync(dijon, 1,
        [
            Level(0, 254), Level(1, 128), Level(2, 0), Level(3, 254), Flag(3, "lamp-failure", true), Level(4, 254), Flag(4, "answering", false),
        ]);
        await AssetRig.SendAsync(beaune, 1, [Level(0, 254)]);
        await beaune.DeathAsync(1);
        await Wait.UntilAsync(async () => !(await central.GetJsonAsync("/api/v1/gateways?town=Beaune"))[0].GetProperty("online").GetBoolean(),
            TimeSpan.FromSeconds(10), "gw-beaune offline");

        var map = JsonDocument.Parse(await TextAsync(viewer, "/api/v1/map")).RootElement;
        var cabinets = map.GetProperty("cabinets").EnumerateArray().ToList();
        Assert.Equal(["gw-beaune", "gw-dijon"], cabinets.Select(c => c.GetProperty("gateway").GetString()));
        Assert.Equal(["offline", "alarm"], cabinets.Select(c => c.GetProperty("state").GetString()));
        Assert.Equal(47.32, cabinets[1].GetProperty("latitude").GetDouble());
        var states = map.GetProperty("lamps").EnumerateArray().ToDictionary(
            l => $"{cabinets[l[0].GetInt32()].GetProperty("gateway").GetString()} {l[1].GetString()}", l => l[4].GetString());
        Assert.Equal(new Dictionary<string, string?>
        {
            ["gw-beaune lights-a/g7"] = "stale",
            ["gw-dijon lights-a/g0"] = "on",
            ["gw-dijon lights-a/g1"] = "dimmed",
            ["gw-dijon lights-a/g2"] = "off",
            ["gw-dijon lights-a/g3"] = "failed",
            ["gw-dijon lights-a/g4"] = "not-answering",
        }, states);
        Assert.Single(JsonDocument.Parse(await TextAsync(viewer, "/api/v1/map?town=beaune")).RootElement.GetProperty("cabinets").EnumerateArray());

        // The alarms: the offline gateway (critical), the failed lamp (major), the silent gear (minor), none acknowledged.
        var alarms = JsonDocument.Parse(await TextAsync(viewer, "/api/v1/alarms")).RootElement.GetProperty("alarms").EnumerateArray().ToList();
        Assert.Equal(["lamp-failure/major/gw-dijon", "not-answering/minor/gw-dijon", "offline/critical/gw-beaune"],
            alarms.Select(a => $"{a.GetProperty("kind").GetString()}/{a.GetProperty("severity").GetString()}/{a.GetProperty("gateway").GetString()}").Order(StringComparer.Ordinal));
        Assert.All(alarms, a => Assert.False(a.GetProperty("acked").GetBoolean()));
        var failure = alarms.Single(a => a.GetProperty("kind").GetString() == "lamp-failure").GetProperty("key").GetString()!;
        const string EventKey = "event|gw-dijon|2026-12-05T01:00:00.000Z|9";
        var body = JsonSerializer.Serialize(new { keys = new[] { failure, EventKey } });

        // Acknowledging is an operator's: a viewer gets 403, a bad body 400 naming the field.
        Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync(viewer, "/api/v1/alarms/ack", body)).Status);
        var (badStatus, badText) = await PostAsync(operatorClient, "/api/v1/alarms/ack", """{"keys":["x"],"note":"?"}""");
        Assert.Equal(HttpStatusCode.BadRequest, badStatus);
        Assert.Contains("note: not a field", badText, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync(operatorClient, "/api/v1/alarms/ack", """{"keys":[]}""")).Status);
        var (ackStatus, ackText) = await PostAsync(operatorClient, "/api/v1/alarms/ack", body);
        Assert.True(ackStatus == HttpStatusCode.OK, ackText);
        Assert.All(JsonDocument.Parse(ackText).RootElement.GetProperty("acks").EnumerateArray(), a => Assert.Equal("night-operator", a.GetProperty("by").GetString()));
        var after = JsonDocument.Parse(await TextAsync(viewer, "/api/v1/alarms?town=Dijon")).RootElement;
        var acked = after.GetProperty("alarms").EnumerateArray().Single(a => a.GetProperty("key").GetString() == failure);
        Assert.True(acked.GetProperty("acked").GetBoolean());
        Assert.Equal("night-operator", acked.GetProperty("ackedBy").GetString());
        Assert.Equal([EventKey], after.GetProperty("eventAcks").EnumerateArray().Select(a => a.GetProperty("key").GetString()));
        Assert.DoesNotContain(after.GetProperty("alarms").EnumerateArray(), a => a.GetProperty("gateway").GetString() == "gw-beaune");

        // The lighting in force: the program of today's calendar rule and when it changes next, at the site.
        await LightingApi.PutOkAsync(operatorClient, "/api/v1/lighting/control-programs/eighty", LightingApi.Fixed("eighty", 80));
        await LightingApi.PutOkAsync(operatorClient, "/api/v1/lighting/calendars/every-night", LightingApi.Every("every-night", "eighty"));
        await LightingApi.PutOkAsync(operatorClient, "/api/v1/lighting/assignments/gw-dijon", LightingApi.Assignment("every-night"));
        var lighting = JsonDocument.Parse(await TextAsync(viewer, "/api/v1/gateways/gw-dijon/lighting")).RootElement;
        Assert.Equal("Europe/Paris", lighting.GetProperty("timeZone").GetString());
        var group = lighting.GetProperty("groups").EnumerateArray().Single();
        Assert.Equal("lights-a", group.GetProperty("line").GetString());
        Assert.Equal("eighty", group.GetProperty("program").GetString());
        Assert.Contains(group.GetProperty("levelPercent").GetDouble(), new[] { 0d, 80d });
        var next = group.GetProperty("nextChange");
        Assert.Equal(80 - group.GetProperty("levelPercent").GetDouble(), next.GetProperty("levelPercent").GetDouble());
        Assert.True(DateTimeOffset.Parse(next.GetProperty("at").GetString()!, System.Globalization.CultureInfo.InvariantCulture) > DateTimeOffset.UtcNow);
        Assert.Empty(JsonDocument.Parse(await TextAsync(viewer, "/api/v1/gateways/gw-beaune/lighting")).RootElement.GetProperty("groups").EnumerateArray());
        Assert.Equal(HttpStatusCode.NotFound, (await viewer.GetAsync(new Uri("/api/v1/gateways/gw-nowhere/lighting", UriKind.Relative))).StatusCode);
    }

    private static Asset Placed(Asset lamp, double latitude, double longitude)
    {
        lamp.Latitude = latitude;
        lamp.Longitude = longitude;
        return lamp;
    }

    private static async Task<string> TextAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path} answered {(int)response.StatusCode}: {text}");
        return text;
    }

    private static async Task<(HttpStatusCode Status, string Text)> PostAsync(HttpClient client, string path, string json)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await client.PostAsync(new Uri(path, UriKind.Relative), content);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    [GeneratedRegex("""from '\./([a-z]+\.js)'""")]
    private static partial Regex ImportPattern();
}
