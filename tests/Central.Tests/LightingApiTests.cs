using System.Net;
using System.Text.Json;
using City.Central.Auth;

namespace City.Central.Tests;

/// <summary>The lighting programs' API: TALQ calendars and control programs, assignments, validation, roles.</summary>
public sealed class LightingApiTests
{
    [Fact]
    public async Task Programs_AndCalendars_PutGetListDelete_InTalqShapes()
    {
        await using var central = await CentralHost.StartAsync();

        var (created, stored) = await LightingApi.PutAsync(central.Http, "/api/v1/lighting/control-programs/night-dim", LightingApi.NightDim);
        Assert.Equal(HttpStatusCode.Created, created);
        Assert.Equal("ControlProgramOne", stored.GetProperty("type").GetString());
        Assert.Equal("central", stored.GetProperty("ownerCMS").GetString());
        var (updated, _) = await LightingApi.PutAsync(central.Http, "/api/v1/lighting/control-programs/night-dim", LightingApi.NightDim);
        Assert.Equal(HttpStatusCode.OK, updated);
        await LightingApi.PutOkAsync(central.Http, "/api/v1/lighting/control-programs/full-night", LightingApi.FullNight);
        await LightingApi.PutOkAsync(central.Http, "/api/v1/lighting/calendars/dijon", LightingApi.Dijon);

        var program = await central.GetJsonAsync("/api/v1/lighting/control-programs/night-dim");
        var steps = program.GetProperty("fixedTimeControls").EnumerateArray()
            .Select(c => (c.GetProperty("startTime").GetString()!, c.GetProperty("command").GetProperty("state").GetProperty("value").GetInt32())).ToArray();
        Assert.Equal([("12:00:00", 100), ("23:00:00", 50), ("05:00:00", 100)], steps);
        Assert.Equal("AstroClockActivePeriod", program.GetProperty("activePeriods")[0].GetProperty("name").GetString());
        var programs = await central.GetJsonAsync("/api/v1/lighting/control-programs");
        Assert.Equal(["full-night", "night-dim"], programs.EnumerateArray().Select(p => p.GetProperty("id").GetString()!).ToArray());
        var calendar = await central.GetJsonAsync("/api/v1/lighting/calendars/dijon");
        Assert.Equal(("--07-14", "full-night"), (calendar.GetProperty("rules")[0].GetProperty("startDate").GetString(), calendar.GetProperty("rules")[0].GetProperty("program").GetString()));
        Assert.Single((await central.GetJsonAsync("/api/v1/lighting/calendars")).EnumerateArray());

        // What is served is TALQ's shape exactly (property names, ownerCMS, no nulls), as the TALQ 2.7.1 schema takes it.
        Assert.Equal(
            """{"id":"dijon","ownerCMS":"central","rules":[{"startDate":"--07-14","endDate":"--07-14","program":"full-night"},{"program":"night-dim"}]}""",
            await central.Http.GetStringAsync(new Uri("/api/v1/lighting/calendars/dijon", UriKind.Relative)));
        Assert.Equal(
            """{"type":"ControlProgramOne","id":"full-night","ownerCMS":"central","activePeriods":[{"name":"AstroClockActivePeriod","sunsetOffset":0,"sunriseOffset":0}],"fixedTimeControls":[{"startTime":"12:00:00","command":{"state":{"name":"LevelState","value":100}}}]}""",
            await central.Http.GetStringAsync(new Uri("/api/v1/lighting/control-programs/full-night", UriKind.Relative)));

        // The body's id may be left out: the path's is used.
        await LightingApi.PutOkAsync(central.Http, "/api/v1/lighting/calendars/every-night", """{"ownerCMS":"central","rules":[{"program":"full-night"}]}""");
        Assert.Equal("every-night", (await central.GetJsonAsync("/api/v1/lighting/calendars/every-night")).GetProperty("id").GetString());

        Assert.Equal(HttpStatusCode.NoContent, (await LightingApi.SendAsync(central.Http, HttpMethod.Delete, "/api/v1/lighting/calendars/every-night")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await LightingApi.SendAsync(central.Http, HttpMethod.Get, "/api/v1/lighting/calendars/every-night")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await LightingApi.SendAsync(central.Http, HttpMethod.Delete, "/api/v1/lighting/calendars/every-night")).Status);
    }

    [Fact]
    public async Task InvalidCalendar_Is400_ListingEveryProblemByPath()
    {
        await using var central = await CentralHost.StartAsync();
        await LightingApi.PutOkAsync(central.Http, "/api/v1/lighting/control-programs/night-dim", LightingApi.NightDim);

        var (status, body) = await LightingApi.PutAsync(central.Http, "/api/v1/lighting/calendars/bad",
            """{"ownerCMS":"central","rules":[{"condition":{"type":"ccDay","days":[{"start":9}]},"program":"night-dim"},{"startDate":"14 July","program":"night-dim"},{"program":"gala"}]}""");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        var errors = body.GetProperty("errors").EnumerateArray().Select(e => e.GetString()!).ToList();
        Assert.True(errors.Count >= 3, string.Join(" | ", errors));
        Assert.Contains("rules[2].program: unknown control program 'gala'.", errors);
        Assert.Contains(errors, e => e.StartsWith("rules[0].condition.days[0].start", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("rules[1].startDate", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.NotFound, (await LightingApi.SendAsync(central.Http, HttpMethod.Get, "/api/v1/lighting/calendars/bad")).Status);
    }

    [Fact]
    public async Task CalendarNamingAnUnknownProgram_Is400_NamingTheRule()
    {
        await using var central = await CentralHost.StartAsync();
        await LightingApi.PutOkAsync(central.Http, "/api/v1/lighting/control-programs/night-dim", LightingApi.NightDim);

        var (status, body) = await LightingApi.PutAsync(central.Http, "/api/v1/lighting/calendars/dijon", LightingApi.Dijon);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(["rules[0].program: unknown control program 'full-night'."], body.GetProperty("errors").EnumerateArray().Select(e => e.GetString()!).ToArray());
    }

    [Theory]
    [InlineData("/api/v1/lighting/calendars/dijon", """{"id":"paris","ownerCMS":"central","rules":[]}""", "id:")]
    [InlineData("/api/v1/lighting/calendars/dijon", "{not json", "body:")]
    [InlineData("/api/v1/lighting/calendars/dijon", "[]", "body:")]
    [InlineData("/api/v1/lighting/control-programs/a%20b", LightingApi.NightDim, "id:")]
    [InlineData("/api/v1/lighting/assignments/gw-1", """{"dayOffset":6,"groups":[{"line":"lights-a","group":16,"calendar":"nowhere"}]}""", "3 problems")]
    [InlineData("/api/v1/lighting/assignments/gw-1", """{"groups":[]}""", "groups:")]
    [InlineData("/api/v1/lighting/assignments/gw-1", """{"gateway":"gw-2","groups":[{"line":"lights-a","calendar":"x"}]}""", "gateway:")]
    public async Task InvalidBodies_Are400_NamingTheField(string path, string json, string start)
    {
        await using var central = await CentralHost.StartAsync();

        var (status, body) = await LightingApi.PutAsync(central.Http, path, json);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.StartsWith(start, body.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AssignmentErrors_NameEachGroup()
    {
        await using var central = await CentralHost.StartAsync();
        await LightingApi.PutExampleAsync(central.Http);

        var (status, body) = await LightingApi.PutAsync(central.Http, "/api/v1/lighting/assignments/gw-1",
            """{"groups":[{"line":"lights-a","group":3,"calendar":"dijon"},{"line":"lights-a","group":3,"calendar":"dijon"},{"line":"","calendar":"paris"}]}""");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        var errors = body.GetProperty("errors").EnumerateArray().Select(e => e.GetString()!).ToList();
        Assert.Contains(errors, e => e.StartsWith("groups[1]: line 'lights-a' group 3 is assigned twice", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("groups[2].line:", StringComparison.Ordinal));
        Assert.Contains("groups[2].calendar: unknown calendar 'paris'.", errors);
    }

    [Fact]
    public async Task DeletingWhatIsInUse_Is409_NamingTheUser()
    {
        await using var central = await CentralHost.StartAsync();
        await LightingApi.PutExampleAsync(central.Http);
        await LightingApi.PutOkAsync(central.Http, "/api/v1/lighting/assignments/gw-9", LightingApi.Assignment("dijon"));

        var (programStatus, program) = await LightingApi.SendAsync(central.Http, HttpMethod.Delete, "/api/v1/lighting/control-programs/full-night");
        var (calendarStatus, calendar) = await LightingApi.SendAsync(central.Http, HttpMethod.Delete, "/api/v1/lighting/calendars/dijon");

        Assert.Equal(HttpStatusCode.Conflict, programStatus);
        Assert.Contains("calendar dijon", program.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Conflict, calendarStatus);
        Assert.Contains("gateway gw-9", calendar.GetProperty("error").GetString(), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.NoContent, (await LightingApi.SendAsync(central.Http, HttpMethod.Delete, "/api/v1/lighting/assignments/gw-9")).Status);
        Assert.Equal(HttpStatusCode.NoContent, (await LightingApi.SendAsync(central.Http, HttpMethod.Delete, "/api/v1/lighting/calendars/dijon")).Status);
        Assert.Equal(HttpStatusCode.NoContent, (await LightingApi.SendAsync(central.Http, HttpMethod.Delete, "/api/v1/lighting/control-programs/full-night")).Status);
    }

    [Fact]
    public async Task Viewer_Reads_ButGets403OnPutAndDelete_OperatorMayChange()
    {
        await using var central = await CentralHost.StartAsync();
        await LightingApi.PutExampleAsync(central.Http);
        using var viewer = central.NewClient(central.CreateToken("watcher", ApiRole.Viewer));
        using var operatorClient = central.NewClient(central.CreateToken("ops", ApiRole.Operator));
        using var anonymous = central.NewClient(null);

        Assert.Equal(HttpStatusCode.OK, (await LightingApi.SendAsync(viewer, HttpMethod.Get, "/api/v1/lighting/calendars/dijon")).Status);
        Assert.Equal(HttpStatusCode.OK, (await LightingApi.SendAsync(viewer, HttpMethod.Get, "/api/v1/lighting/status")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await LightingApi.PutAsync(viewer, "/api/v1/lighting/control-programs/x", LightingApi.Fixed("x", 10))).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await LightingApi.SendAsync(viewer, HttpMethod.Delete, "/api/v1/lighting/calendars/dijon")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await LightingApi.PutAsync(viewer, "/api/v1/lighting/assignments/gw-1", LightingApi.Assignment("dijon"))).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await LightingApi.SendAsync(anonymous, HttpMethod.Get, "/api/v1/lighting/calendars")).Status);
        Assert.Equal(HttpStatusCode.Created, (await LightingApi.PutAsync(operatorClient, "/api/v1/lighting/control-programs/x", LightingApi.Fixed("x", 10))).Status);
    }

    [Fact]
    public async Task Assignments_PutGetList_AndSurviveARestart()
    {
        var dataPath = CentralHost.NewDataPath();
        try
        {
            await using (var central = await CentralHost.StartAsync(dataPath))
            {
                await LightingApi.PutExampleAsync(central.Http);
                var (status, body) = await LightingApi.PutAsync(central.Http, "/api/v1/lighting/assignments/gw-1",
                    """{"dayOffset":0,"groups":[{"line":"lights-a","group":null,"calendar":"dijon"},{"line":"lights-b","group":4,"calendar":"dijon"}]}""");
                Assert.Equal(HttpStatusCode.Created, status);
                Assert.Equal(0, body.GetProperty("dayOffset").GetInt32());
            }

            await using (var central = await CentralHost.StartAsync(dataPath))
            {
                var assignment = await central.GetJsonAsync("/api/v1/lighting/assignments/gw-1");
                Assert.Equal("gw-1", assignment.GetProperty("gateway").GetString());
                var groups = assignment.GetProperty("groups").EnumerateArray().ToList();
                Assert.Equal(JsonValueKind.Null, groups[0].GetProperty("group").ValueKind);
                Assert.Equal(("lights-b", 4, "dijon"), (groups[1].GetProperty("line").GetString(), groups[1].GetProperty("group").GetInt32(), groups[1].GetProperty("calendar").GetString()));
                Assert.Single((await central.GetJsonAsync("/api/v1/lighting/assignments")).EnumerateArray());
                Assert.Equal(2, (await central.GetJsonAsync("/api/v1/lighting/control-programs")).GetArrayLength());
                var status = await LightingApi.StatusAsync(central, "gw-1");
                Assert.Equal("pending", status.GetProperty("state").GetString());
            }
        }
        finally
        {
            Directory.Delete(dataPath, recursive: true);
        }
    }
}
