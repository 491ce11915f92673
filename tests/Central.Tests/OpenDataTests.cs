using System.Globalization;
using System.Net;
using System.Text.Json;
using City.Central.Auth;
using City.Central.Configuration;

namespace City.Central.Tests;

/// <summary>/opendata/ against a running central: open, true to the API's figures, valid GeoJSON and JSON-LD, and only what is allowed.</summary>
public sealed class OpenDataTests(OpenDataFixture fixture) : IClassFixture<OpenDataFixture>
{
    private const long Hour = OpenDataFixture.Hour;

    [Fact]
    public async Task Equipment_is_a_FeatureCollection_of_the_sites_and_lamps_in_lon_lat_order()
    {
        var (status, mediaType, body) = await fixture.GetAsync("/opendata/equipment.geojson");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("application/geo+json", mediaType);
        var root = JsonDocument.Parse(body).RootElement;
        Assert.Equal("FeatureCollection", root.GetProperty("type").GetString());
        var features = root.GetProperty("features").EnumerateArray().ToList();
        foreach (var feature in features)
        {
            Assert.Equal("Feature", feature.GetProperty("type").GetString());
            Assert.Equal("Point", feature.GetProperty("geometry").GetProperty("type").GetString());
            var coordinates = feature.GetProperty("geometry").GetProperty("coordinates").EnumerateArray().Select(c => c.GetDouble()).ToList();
            Assert.Equal(2, coordinates.Count);
            Assert.InRange(coordinates[0], -180, 180);
            Assert.InRange(coordinates[1], -90, 90);
        }

        string Key(JsonElement f) => f.GetProperty("properties").GetProperty("equipment").GetString() + " " + f.GetProperty("properties").GetProperty("cabinet").GetString()
            + " " + (f.GetProperty("properties").TryGetProperty("lamp_id", out var lamp) ? lamp.GetString() : string.Empty);
        var byKey = features.ToDictionary(Key, f => f.GetProperty("geometry").GetProperty("coordinates").EnumerateArray().Select(c => c.GetDouble()).ToArray());

        // Exactly the API's sites and positioned lamps, longitude first.
        var assets = await fixture.Central.GetJsonAsync("/api/v1/assets");
        var expected = new Dictionary<string, double[]>(StringComparer.Ordinal);
        foreach (var site in assets.GetProperty("sites").EnumerateArray())
        {
            expected[$"cabinet {site.GetProperty("gateway").GetString()} "] = [site.GetProperty("longitude").GetDouble(), site.GetProperty("latitude").GetDouble()];
        }

        foreach (var lamp in assets.GetProperty("lamps").EnumerateArray().Where(l => l.GetProperty("latitude").ValueKind == JsonValueKind.Number))
        {
            expected[$"lamp {lamp.GetProperty("gateway").GetString()} {lamp.GetProperty("lampId").GetString()}"] = [lamp.GetProperty("longitude").GetDouble(), lamp.GetProperty("latitude").GetDouble()];
        }

        Assert.Equal(expected.Keys.Order(), byKey.Keys.Order());
        Assert.Equal(6, byKey.Count);
        foreach (var (key, position) in expected)
        {
            Assert.Equal(position, byKey[key]);
        }

        Assert.Equal([OpenDataFixture.LampPositions[0].Lon, OpenDataFixture.LampPositions[0].Lat], byKey["lamp od-dijon lights-a/g1"]);
        var lampProperties = features.Single(f => Key(f) == "lamp od-dijon lights-a/g1").GetProperty("properties");
        Assert.Equal(50, lampProperties.GetProperty("rated_power_w").GetDouble());
        Assert.Equal("Citea LED 40", lampProperties.GetProperty("type").GetString());
        Assert.Equal("Dijon", lampProperties.GetProperty("town").GetString());
    }

    [Fact]
    public async Task Energy_csv_has_its_columns_and_the_energy_APIs_figures_per_town_and_day()
    {
        var (status, mediaType, csv) = await fixture.GetAsync("/opendata/energy-daily.csv");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("text/csv", mediaType);
        var lines = csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(
            "town,date,start,end,measured_kwh,full_power_kwh,baseline_kwh,lit_hours,savings_vs_full_percent,savings_vs_baseline_percent,lamps,counter_resets,complete",
            lines[0]);
        var header = lines[0].Split(',');
        var rows = lines.Skip(1).Select(l => header.Zip(l.Split(',')).ToDictionary(p => p.First, p => p.Second)).ToList();

        var first = fixture.Generated.GetProperty("firstDay").GetString();
        var next = DateOnly.Parse(fixture.Generated.GetProperty("lastDay").GetString()!, CultureInfo.InvariantCulture).AddDays(1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var api = await fixture.Central.GetJsonAsync($"/api/v1/energy?by=town&interval=day&from={first}&to={next}");
        var buckets = api.GetProperty("buckets").EnumerateArray().ToList();
        Assert.Equal(buckets.Count, rows.Count);
        Assert.Equal(["Dijon", "Lyon"], rows.Select(r => r["town"]).Distinct().Order());
        foreach (var bucket in buckets)
        {
            var row = rows.Single(r => r["town"] == bucket.GetProperty("key").GetString() && r["start"] == bucket.GetProperty("start").GetString());
            Assert.Equal(bucket.GetProperty("end").GetString(), row["end"]);
            Assert.Equal(bucket.GetProperty("start").GetString()![..10], row["date"]);
            foreach (var (column, member) in new[] { ("measured_kwh", "measuredKwh"), ("full_power_kwh", "fullPowerKwh"), ("baseline_kwh", "baselineKwh"), ("lit_hours", "litHours") })
            {
                Assert.Equal(bucket.GetProperty(member).GetDouble(), double.Parse(row[column], CultureInfo.InvariantCulture), 9);
            }

            Assert.Equal(bucket.GetProperty("lamps").GetInt32().ToString(CultureInfo.InvariantCulture), row["lamps"]);
        }

        // Per town, the rows add up to the API's totals over the same days, and there is energy to speak of.
        foreach (var total in api.GetProperty("totals").EnumerateArray())
        {
            var town = total.GetProperty("key").GetString();
            var sum = rows.Where(r => r["town"] == town).Sum(r => double.Parse(r["measured_kwh"], CultureInfo.InvariantCulture));
            Assert.Equal(total.GetProperty("measuredKwh").GetDouble(), sum, 6);
            Assert.True(sum > 0, $"{town}: no energy");
        }

        // The JSON file holds the same rows.
        var (jsonStatus, jsonType, json) = await fixture.GetAsync("/opendata/energy-daily.json");
        Assert.Equal(HttpStatusCode.OK, jsonStatus);
        Assert.Equal("application/json", jsonType);
        var jsonRows = JsonDocument.Parse(json).RootElement.GetProperty("rows").EnumerateArray().ToList();
        Assert.Equal(rows.Count, jsonRows.Count);
        Assert.Equal(rows.Sum(r => double.Parse(r["measured_kwh"], CultureInfo.InvariantCulture)), jsonRows.Sum(r => r.GetProperty("measured_kwh").GetDouble()), 9);
    }

    [Fact]
    public async Task Availability_is_the_share_of_lamp_time_working_per_town_and_local_day()
    {
        var (status, _, csv) = await fixture.GetAsync("/opendata/lamp-availability-daily.csv");
        Assert.Equal(HttpStatusCode.OK, status);
        var lines = csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("town,date,start,end,lamps,known_lamp_hours,working_lamp_hours,availability_percent,lamps_failed,complete", lines[0]);
        var rows = lines.Skip(1).Select(l => l.Split(',')).ToList();

        // The Paris day holding 11:00-17:00 UTC: two lamps known all 24 hours, one failed for 6 of them.
        var day = DateTimeOffset.FromUnixTimeMilliseconds(OpenDataFixture.DayUtc).UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var failedDay = rows.Single(r => r[0] == "Dijon" && r[1] == day);
        Assert.Equal($"{day}T00:00:00+01:00", failedDay[2]);
        Assert.Equal("2", failedDay[4]);
        Assert.Equal(48, double.Parse(failedDay[5], CultureInfo.InvariantCulture));
        Assert.Equal(42, double.Parse(failedDay[6], CultureInfo.InvariantCulture));
        Assert.Equal(87.5, double.Parse(failedDay[7], CultureInfo.InvariantCulture));
        Assert.Equal("1", failedDay[8]);
        Assert.Equal("true", failedDay[9]);

        // The next day: both worked throughout.
        var nextDay = rows.Single(r => r[0] == "Dijon" && r[1] == DateTimeOffset.FromUnixTimeMilliseconds(OpenDataFixture.DayUtc + (24 * Hour)).UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        Assert.Equal(100, double.Parse(nextDay[7], CultureInfo.InvariantCulture));
        Assert.Equal("0", nextDay[8]);
    }

    [Fact]
    public async Task Traffic_counts_only_the_allowed_detectors_per_hour()
    {
        var (status, _, csv) = await fixture.GetAsync("/opendata/traffic-counts-hourly.csv");
        Assert.Equal(HttpStatusCode.OK, status);
        var lines = csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("town,controller,detector,start,end,vehicles,complete", lines[0]);
        string Iso(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        var first = Iso(OpenDataFixture.TrafficHour);
        var second = Iso(OpenDataFixture.TrafficHour + Hour);
        var third = Iso(OpenDataFixture.TrafficHour + (2 * Hour));
        Assert.Equal(
            [
                $"Dijon,od-tc/tc-snmp,1,{first},{second},30,true",
                $"Dijon,od-tc/tc-snmp,1,{second},{third},30,true",
                $"Dijon,od-tc/tc1,3,{first},{second},5,true",
                $"Dijon,od-tc/tc1,3,{second},{third},5,true",
            ],
            lines.Skip(1).Order(StringComparer.Ordinal));

        // Detector 2 is not in Central:OpenData:TrafficPoints: in no file.
        var (_, _, json) = await fixture.GetAsync("/opendata/traffic-counts-hourly.json");
        Assert.DoesNotContain(JsonDocument.Parse(json).RootElement.GetProperty("rows").EnumerateArray(), r => r.GetProperty("detector").GetInt32() == 2);
        Assert.Equal(4, JsonDocument.Parse(json).RootElement.GetProperty("rows").GetArrayLength());
    }

    [Fact]
    public async Task Catalogue_is_DCAT_JSON_LD_whose_distributions_answer_with_their_media_type()
    {
        var (status, mediaType, body) = await fixture.GetAsync("/opendata/catalog.jsonld");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("application/ld+json", mediaType);
        var catalogue = JsonDocument.Parse(body).RootElement;
        var context = catalogue.GetProperty("@context");
        Assert.Equal("http://www.w3.org/ns/dcat#", context.GetProperty("dcat").GetString());
        Assert.Equal("http://purl.org/dc/terms/", context.GetProperty("dct").GetString());
        Assert.Equal("dcat:Catalog", catalogue.GetProperty("@type").GetString());
        Assert.Equal(OpenDataSettings.EtalabLicenceUrl, catalogue.GetProperty("dct:license").GetProperty("@id").GetString());
        Assert.Equal("Ville de Test", catalogue.GetProperty("dct:publisher").GetProperty("foaf:name").GetString());

        var datasets = catalogue.GetProperty("dcat:dataset").EnumerateArray().ToList();
        Assert.Equal(["availability", "energy", "equipment", "traffic"], datasets.Select(d => d.GetProperty("dct:identifier").GetString()).Order());
        var downloads = 0;
        foreach (var dataset in datasets)
        {
            Assert.Equal("dcat:Dataset", dataset.GetProperty("@type").GetString());
            Assert.False(string.IsNullOrEmpty(dataset.GetProperty("dct:title").GetString()));
            Assert.False(string.IsNullOrEmpty(dataset.GetProperty("dct:description").GetString()));
            Assert.Equal(OpenDataSettings.EtalabLicenceUrl, dataset.GetProperty("dct:license").GetProperty("@id").GetString());
            Assert.Equal("dct:Location", dataset.GetProperty("dct:spatial").GetProperty("@type").GetString());
            foreach (var distribution in dataset.GetProperty("dcat:distribution").EnumerateArray())
            {
                Assert.Equal("dcat:Distribution", distribution.GetProperty("@type").GetString());
                var url = distribution.GetProperty("dcat:downloadURL").GetProperty("@id").GetString()!;
                var announced = distribution.GetProperty("dcat:mediaType").GetProperty("@id").GetString()!;
                Assert.StartsWith("https://www.iana.org/assignments/media-types/", announced, StringComparison.Ordinal);
                Assert.StartsWith("http://publications.europa.eu/resource/authority/file-type/", distribution.GetProperty("dct:format").GetProperty("@id").GetString(), StringComparison.Ordinal);
                Assert.StartsWith(fixture.Central.BaseUrl + "opendata/", url, StringComparison.Ordinal);
                var (fileStatus, fileType, file) = await fixture.GetAsync(url);
                Assert.Equal(HttpStatusCode.OK, fileStatus);
                Assert.Equal(announced["https://www.iana.org/assignments/media-types/".Length..], fileType);
                Assert.Equal(long.Parse(distribution.GetProperty("dcat:byteSize").GetProperty("@value").GetString()!, CultureInfo.InvariantCulture), System.Text.Encoding.UTF8.GetByteCount(file));
                downloads++;
            }
        }

        Assert.Equal(7, downloads);
        await ExpandWithPyLdAsync(body);
    }

    [Fact]
    public async Task Index_page_is_open_and_links_the_catalogue_the_licence_and_every_file()
    {
        var (status, mediaType, html) = await fixture.GetAsync("/opendata/");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("text/html", mediaType);
        Assert.Equal(html, (await fixture.GetAsync("/opendata")).Body);
        Assert.Contains("href=\"/opendata/catalog.jsonld\"", html, StringComparison.Ordinal);
        Assert.Contains($"href=\"{OpenDataSettings.EtalabLicenceUrl}\"", html, StringComparison.Ordinal);
        foreach (var file in fixture.Generated.GetProperty("files").EnumerateArray())
        {
            Assert.Contains($"href=\"/opendata/{file.GetProperty("name").GetString()}\"", html, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Files_carry_an_ETag_and_Last_Modified_and_name_no_token_nor_operator()
    {
        using (var response = await fixture.Anonymous.GetAsync(new Uri("/opendata/energy-daily.csv", UriKind.Relative)))
        {
            Assert.NotNull(response.Content.Headers.LastModified);
            Assert.Equal("*", Assert.Single(response.Headers.GetValues("Access-Control-Allow-Origin")));
            var etag = Assert.IsType<System.Net.Http.Headers.EntityTagHeaderValue>(response.Headers.ETag);
            using var again = new HttpRequestMessage(HttpMethod.Get, new Uri("/opendata/energy-daily.csv", UriKind.Relative));
            again.Headers.IfNoneMatch.Add(etag);
            using var notModified = await fixture.Anonymous.SendAsync(again);
            Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        }

        foreach (var file in fixture.Generated.GetProperty("files").EnumerateArray())
        {
            var (_, _, body) = await fixture.GetAsync("/opendata/" + file.GetProperty("name").GetString());
            Assert.DoesNotContain("cityapi_", body, StringComparison.Ordinal);
            Assert.DoesNotContain("tests-admin", body, StringComparison.Ordinal);
            Assert.DoesNotContain("od-viewer-alice", body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Regeneration_needs_an_admin_token()
    {
        using var viewer = fixture.Central.NewClient(fixture.ViewerToken);
        using (var refused = await viewer.PostAsync(new Uri("/api/v1/opendata/generate", UriKind.Relative), null))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }

        using var anonymous = await fixture.Anonymous.PostAsync(new Uri("/api/v1/opendata/generate", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Fact]
    public async Task Nothing_is_published_when_open_data_is_off()
    {
        await using var central = await CentralHost.StartAsync();
        using var anonymous = central.NewClient(null);
        var paths = new[] { "/opendata/", "/opendata/catalog.jsonld" }.Concat(fixture.Generated.GetProperty("files").EnumerateArray().Select(f => "/opendata/" + f.GetProperty("name").GetString()));
        foreach (var path in paths)
        {
            var (status, mediaType, _) = await fixture.GetAsync(path, anonymous);
            Assert.Equal(HttpStatusCode.NotFound, status);
            Assert.Equal("application/json", mediaType);
        }

        using var generate = await central.Http.PostAsync(new Uri("/api/v1/opendata/generate", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.Conflict, generate.StatusCode);
        Assert.False(Directory.Exists(Path.Combine(central.DataPath, "opendata")));
    }

    /// <summary>Expands the catalogue with PyLD (Debian python3-pyld), a JSON-LD processor of its own, and checks the IRIs it gives.</summary>
    private static async Task ExpandWithPyLdAsync(string catalogue)
    {
        var file = Path.Combine(Path.GetTempPath(), $"opendata-catalog-{Guid.NewGuid():N}.jsonld");
        await File.WriteAllTextAsync(file, catalogue);
        try
        {
            const string Script = "import json,sys\nfrom pyld import jsonld\nprint(json.dumps(jsonld.expand(json.load(open(sys.argv[1])))))";
            var (exitCode, output) = await PeerProcess.RunAsync(TimeSpan.FromSeconds(60), "/usr/bin/python3", "-c", Script, file);
            Assert.True(exitCode == 0, "PyLD (apt-get install python3-pyld) could not expand the catalogue: " + output);
            var expanded = Assert.Single(JsonDocument.Parse(output).RootElement.EnumerateArray());
            Assert.Contains("http://www.w3.org/ns/dcat#Catalog", expanded.GetProperty("@type").EnumerateArray().Select(t => t.GetString()));
            var datasets = expanded.GetProperty("http://www.w3.org/ns/dcat#dataset").EnumerateArray().ToList();
            Assert.Equal(4, datasets.Count);
            var urls = datasets
                .SelectMany(d => d.GetProperty("http://www.w3.org/ns/dcat#distribution").EnumerateArray())
                .Select(d => Assert.Single(d.GetProperty("http://www.w3.org/ns/dcat#downloadURL").EnumerateArray()).GetProperty("@id").GetString())
                .ToList();
            Assert.Equal(7, urls.Count);
            Assert.All(datasets, d => Assert.Equal(OpenDataSettings.EtalabLicenceUrl, Assert.Single(d.GetProperty("http://purl.org/dc/terms/license").EnumerateArray()).GetProperty("@id").GetString()));
        }
        finally
        {
            File.Delete(file);
        }
    }
}
