using System.Net;
using System.Text.Json;
using City.Central.Commands;
using City.Contract.Wire;

namespace City.Central.Tests;

/// <summary>The lighting-override command: a level for a duration or until an instant, or no level to end the override.</summary>
public sealed class LightingOverrideTests
{
    private static CommandAction Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        Assert.True(CommandRequestParser.TryParse(document.RootElement, out var request, out var problem), problem);
        return request.Action;
    }

    private static string Problem(string json)
    {
        using var document = JsonDocument.Parse(json);
        Assert.False(CommandRequestParser.TryParse(document.RootElement, out _, out var problem));
        return problem;
    }

    private static CommandBody Body(CommandAction action)
    {
        var record = new CommandRecord(Guid.NewGuid().ToString("D"), "ops", 1_000, 61_000, action, ["gw-1"]);
        return CommandSigner.Body(record, "gw-1");
    }

    [Fact]
    public void Until_IsKeptAsUtc_AndSignedAsUnixMs_WithNoDuration()
    {
        var action = Parse("""{"gateway":"gw-1","action":"lighting-override","line":"lights-a","group":3,"levelPercent":100,"until":"2026-07-15T02:00:00+02:00"}""");

        Assert.Equal("2026-07-15T00:00:00.000Z", action.Until);
        Assert.Null(action.DurationSeconds);
        var body = Body(action).LightingOverride;
        Assert.Equal(("lights-a", 3, 100, 0), (body.Line, body.Group, body.LevelPercent, body.DurationSeconds));
        Assert.True(body.HasLevelPercent);
        Assert.Equal(DateTimeOffset.Parse("2026-07-15T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds(), body.UntilUnixMs);
    }

    [Fact]
    public void NoLevel_EndsTheOverride_TheSignedBodyHasNoLevelPercent()
    {
        var action = Parse("""{"gateway":"gw-1","action":"lighting-override","line":"lights-a","group":-1}""");

        Assert.Null(action.LevelPercent);
        var body = Body(action).LightingOverride;
        Assert.False(body.HasLevelPercent);
        Assert.Equal((-1, 0, 0L), (body.Group, body.DurationSeconds, body.UntilUnixMs));
    }

    [Fact]
    public void Duration_StillWorks_AndZeroPercentIsALevelNotAClear()
    {
        var body = Body(Parse("""{"gateway":"gw-1","action":"lighting-override","line":"l","levelPercent":0,"durationSeconds":604800}""")).LightingOverride;

        Assert.True(body.HasLevelPercent);
        Assert.Equal((0, 604_800), (body.LevelPercent, body.DurationSeconds));
    }

    [Theory]
    [InlineData("""{"gateway":"gw-1","action":"lighting-override","line":"l","levelPercent":50}""", "durationSeconds")]
    [InlineData("""{"gateway":"gw-1","action":"lighting-override","line":"l","levelPercent":50,"durationSeconds":60,"until":"2026-07-15T00:00:00Z"}""", "durationSeconds")]
    [InlineData("""{"gateway":"gw-1","action":"lighting-override","line":"l","levelPercent":50,"until":"2026-07-15T00:00:00"}""", "until")]
    [InlineData("""{"gateway":"gw-1","action":"lighting-override","line":"l","levelPercent":50,"until":"tomorrow"}""", "until")]
    [InlineData("""{"gateway":"gw-1","action":"lighting-override","line":"l","levelPercent":50,"until":1752537600000}""", "until")]
    [InlineData("""{"gateway":"gw-1","action":"lighting-override","line":"l","durationSeconds":60}""", "durationSeconds")]
    [InlineData("""{"gateway":"gw-1","action":"lighting-override","line":"l","until":"2026-07-15T00:00:00Z"}""", "until")]
    [InlineData("""{"gateway":"gw-1","action":"lighting-override","line":"l","levelPercent":50,"durationSeconds":604801}""", "durationSeconds")]
    [InlineData("""{"gateway":"gw-1","action":"lighting-config","version":"abc","setJson":"{}"}""", "action")]
    public void InvalidOverrides_NameTheField(string json, string field)
    {
        Assert.StartsWith(field + ":", Problem(json), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Api_UntilAndClear_ReachTheGatewaySigned_AndAPastUntilIs400()
    {
        await using var central = await CentralHost.StartAsync(null, "--Central:AdmitOnBirth=true");
        await using var gateway = await CommandGateway.ConnectAsync(central, "gw-ovr");
        var until = DateTimeOffset.UtcNow.AddHours(3);
        var untilText = until.ToOffset(TimeSpan.FromHours(2)).ToString("yyyy-MM-dd'T'HH:mm:ss.fffzzz", System.Globalization.CultureInfo.InvariantCulture);
        var publicKey = Path.Combine(central.PkiDirectory, "command-signing.pub");

        await CommandApi.IssueAsync(central.Http, new { gateway = "gw-ovr", action = "lighting-override", line = "lights-a", group = 2, levelPercent = 30, until = untilText });
        var set = CommandGateway.Verify(await gateway.NextCommandAsync(), publicKey).LightingOverride;
        Assert.Equal((2, 30, 0, until.ToUnixTimeMilliseconds()), (set.Group, set.LevelPercent, set.DurationSeconds, set.UntilUnixMs));

        var clearId = await CommandApi.IssueAsync(central.Http, new { gateway = "gw-ovr", action = "lighting-override", line = "lights-a", group = 2 });
        // The first command is still unanswered, so central may send it again before the second one.
        var clearBody = CommandGateway.Verify(await gateway.NextCommandAsync(), publicKey);
        while (clearBody.Id != clearId)
        {
            clearBody = CommandGateway.Verify(await gateway.NextCommandAsync(), publicKey);
        }

        Assert.False(clearBody.LightingOverride.HasLevelPercent);

        var (status, body) = await CommandApi.PostAsync(central.Http, new { gateway = "gw-ovr", action = "lighting-override", line = "lights-a", levelPercent = 30, until = "2020-01-01T00:00:00Z" });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.StartsWith("until:", body.GetProperty("error").GetString(), StringComparison.Ordinal);
    }
}
