using System.Globalization;
using System.Security.Cryptography;
using City.Contract;
using City.Contract.Wire;
using City.Edge.Dali;
using City.Edge.Lighting;
using Microsoft.Extensions.DependencyInjection;

namespace City.Edge.Tests;

/// <summary>
/// An edge with one DALI line "lights" on a <see cref="DaliFakeLine"/> (gear 0 and 1 in group 0, gear 2 and 3 in group 1), a
/// fake central that signs its commands, the site of Dijon and, when asked, a scaled Edge:Clock. Its directory (buffer,
/// lighting.json) is kept across <see cref="RestartAsync"/>.
/// </summary>
internal sealed class LightingRig : IAsyncDisposable
{
    public const string Line = "lights";

    private readonly TempDir _dir = new();
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    private LightingRig(FakeCentral central)
    {
        Central = central;
        for (var i = 0; i < 4; i++)
        {
            Fake.Gear.Add(new DaliFakeGear((byte)i, groups: (ushort)(i < 2 ? 1 : 2)));
        }

        File.WriteAllText(_dir.File("command-signing.pub"), _key.ExportSubjectPublicKeyInfoPem());
    }

    public FakeCentral Central { get; }

    public DaliFakeLine Fake { get; } = new();

    public InProcessEdge? Edge { get; private set; }

    public string Directory => _dir.Path;

    /// <summary>Extra configuration (Edge:Clock..., or removing the site by setting its keys to null).</summary>
    public Dictionary<string, string?> Values { get; } = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Edge:Site:Town"] = "Dijon",
        ["Edge:Site:Latitude"] = "47.32",
        ["Edge:Site:Longitude"] = "5.04",
        ["Edge:Site:TimeZone"] = "Europe/Paris",
    };

    public LightingRuntime Runtime => Edge!.Services.GetRequiredService<LightingRuntime>();

    public static async Task<LightingRig> CreateAsync() => new(await FakeCentral.StartAsync());

    public async Task StartAsync()
    {
        var values = TestConfig.Valid();
        foreach (var key in values.Keys.Where(k => k.StartsWith("Edge:Devices", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            values.Remove(key);
        }

        values["Edge:Central:Port"] = Central.Port.ToString(CultureInfo.InvariantCulture);
        values["Edge:Central:ReconnectMinDelayMs"] = "20";
        values["Edge:Central:ReconnectMaxDelayMs"] = "200";
        values["Edge:Commands:SigningKeyFile"] = _dir.File("command-signing.pub");
        values["Edge:DaliLines:0:Name"] = Line;
        values["Edge:DaliLines:0:Port"] = "/dev/fake-dali";
        values["Edge:DaliLines:0:StatusPeriodMs"] = "200";
        values["Edge:DaliLines:0:ProgramGroups"] = "false";
        for (var i = 0; i < 4; i++)
        {
            values[$"Edge:DaliLines:0:Gear:{i}:Address"] = i.ToString(CultureInfo.InvariantCulture);
            values[$"Edge:DaliLines:0:Gear:{i}:Groups:0"] = i < 2 ? "0" : "1";
            values[$"Edge:DaliLines:0:Gear:{i}:RatedPowerW"] = "40";
        }

        foreach (var (key, value) in Values)
        {
            if (value is null)
            {
                values.Remove(key);
            }
            else
            {
                values[key] = value;
            }
        }

        var births = Central.Births.Count;
        Edge = await InProcessEdge.StartAsync(values, bufferPath: _dir.File("buffer.db"),
            services: s => s.AddSingleton<IDaliMasterFactory>(new FixedMasterFactory(Fake)));
        await Until.TrueAsync(() => Central.Births.Count > births, "the edge connected");
    }

    public async Task RestartAsync()
    {
        await StopAsync();
        await StartAsync();
    }

    public async Task StopAsync()
    {
        if (Edge is not null)
        {
            await Edge.DisposeAsync();
            Edge = null;
        }
    }

    /// <summary>Sends a signed command and returns its results once <paramref name="count"/> arrived.</summary>
    public async Task<List<CommandResult>> SendAsync(Action<CommandBody> action, int count = 2)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var body = new CommandBody { Id = Guid.NewGuid().ToString(), GatewayId = "gw-001", IssuedAtUnixMs = now, NotAfterUnixMs = now + 60_000, Issuer = "ops-alice" };
        action(body);
        await Central.SendCommandAsync(CommandSigning.Sign(body, _key));
        await Until.TrueAsync(() => Central.Results.Count(r => r.Id == body.Id) >= count, $"{count} results of {body.Id}");
        return Central.Results.Where(r => r.Id == body.Id).ToList();
    }

    public Task<List<CommandResult>> PushAsync(string setJson, string version, int count = 2) =>
        SendAsync(b => b.LightingConfig = new LightingConfigAction { Version = version, SetJson = setJson }, count);

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await Central.DisposeAsync();
        _key.Dispose();
        _dir.Dispose();
    }

    private sealed class FixedMasterFactory(City.Protocols.Dali.IDaliMaster master) : IDaliMasterFactory
    {
        public City.Protocols.Dali.IDaliMaster Open(DaliLineDefinition line) => master;
    }
}

/// <summary>Lighting sets for the tests, in TALQ JSON.</summary>
internal static class LightingSets
{
    /// <summary>Active all day: 100 % from 12:00, 50 % from 23:00, 100 % from 05:00 (no sun needed).</summary>
    public const string StepsProgram = """{"type":"ControlProgramOne","id":"steps","ownerCMS":"central","activePeriods":[],"fixedTimeControls":[{"startTime":"12:00:00","command":{"state":{"name":"LevelState","value":100}}},{"startTime":"23:00:00","command":{"state":{"name":"LevelState","value":50}}},{"startTime":"05:00:00","command":{"state":{"name":"LevelState","value":100}}}]}""";

    /// <summary>On from sunset to sunrise at 100 %.</summary>
    public const string NightProgram = """{"type":"ControlProgramOne","id":"night","ownerCMS":"central","activePeriods":[{"name":"AstroClockActivePeriod","sunsetOffset":0,"sunriseOffset":0}],"fixedTimeControls":[{"startTime":"12:00:00","command":{"state":{"name":"LevelState","value":100}}}]}""";

    public static string Set(string version, string issuedAt, string program = StepsProgram, string programId = "steps", string assignments = """[{"line":"lights","group":0,"calendar":"town"}]""") =>
        "{\"version\":\"" + version + "\",\"issuedAt\":\"" + issuedAt + "\",\"dayOffset\":12,\"calendars\":[{\"id\":\"town\",\"ownerCMS\":\"central\",\"rules\":[{\"program\":\""
        + programId + "\"}]}],\"controlPrograms\":[" + program + "],\"assignments\":" + assignments + "}";
}
