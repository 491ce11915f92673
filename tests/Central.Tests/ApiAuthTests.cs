using System.Net;
using System.Text.Json;
using City.Central.Auth;

namespace City.Central.Tests;

/// <summary>Every /api/v1 request needs a bearer token of a role high enough; /healthz stays open.</summary>
public sealed class ApiAuthTests
{
    private static readonly string[] ReadPaths =
    [
        "/api/v1/gateways",
        "/api/v1/points/latest?gateway=cab-auth",
        "/api/v1/points/history?gateway=cab-auth&point=meter1/power",
        "/api/v1/events",
        "/api/v1/stats",
    ];

    [Fact]
    public async Task Without_a_token_every_api_request_is_401_with_a_bearer_challenge_and_healthz_stays_open()
    {
        await using var central = await CentralHost.StartAsync();
        using var anonymous = central.NewClient(token: null);

        foreach (var path in ReadPaths)
        {
            using var response = await anonymous.GetAsync(new Uri(path, UriKind.Relative));
            await AssertUnauthorizedAsync(response, path, invalidToken: false);
        }

        using (var reset = await anonymous.PostAsync(new Uri("/api/v1/gateways/cab-auth/reset", UriKind.Relative), null))
        {
            await AssertUnauthorizedAsync(reset, "reset", invalidToken: false);
        }

        using var health = await anonymous.GetAsync(new Uri("/healthz", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);

        var refused = (await central.StatsAsync()).GetProperty("apiRefused");
        Assert.Equal(ReadPaths.Length + 1, refused.GetProperty("unauthenticated").GetInt64());
        Assert.Equal(0, refused.GetProperty("forbidden").GetInt64());
    }

    [Theory]
    [InlineData("Bearer cityapi_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", true)]
    [InlineData("Bearer ", true)]
    [InlineData("Basic dXNlcjpwYXNz", false)]
    [InlineData("cityapi_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", false)]
    public async Task An_unknown_or_malformed_token_is_401(string authorization, bool invalidToken)
    {
        await using var central = await CentralHost.StartAsync();
        using var client = central.NewClient(token: null);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/v1/gateways", UriKind.Relative));
        request.Headers.TryAddWithoutValidation("Authorization", authorization);
        using var response = await client.SendAsync(request);
        await AssertUnauthorizedAsync(response, authorization, invalidToken);
    }

    [Fact]
    public async Task A_viewer_reads_everything_but_is_403_on_the_admins_reset_and_so_is_an_operator()
    {
        await using var central = await CentralHost.StartAsync(null, "--Central:AdmitOnBirth=true");
        await using var gateway = await FakeGateway.ConnectAsync(central.MqttPort, "cab-auth");
        await gateway.BirthAsync(1);
        await gateway.DataAsync(1, FakeGateway.SampleReadings(2));
        await gateway.NextAckAsync();
        using var viewer = central.NewClient(central.CreateToken("a-viewer", ApiRole.Viewer));
        using var @operator = central.NewClient(central.CreateToken("an-operator", ApiRole.Operator));

        foreach (var path in ReadPaths)
        {
            using var response = await viewer.GetAsync(new Uri(path, UriKind.Relative));
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        foreach (var (client, name, role) in new[] { (viewer, "a-viewer", "viewer"), (@operator, "an-operator", "operator") })
        {
            using var response = await client.PostAsync(new Uri("/api/v1/gateways/cab-auth/reset", UriKind.Relative), null);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
            var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString();
            Assert.Contains($"token '{name}' has role {role}", error, StringComparison.Ordinal);
            Assert.Contains("needs admin", error, StringComparison.Ordinal);
        }

        var refused = (await central.StatsAsync()).GetProperty("apiRefused");
        Assert.Equal(2, refused.GetProperty("forbidden").GetInt64());
        Assert.Equal(0, refused.GetProperty("unauthenticated").GetInt64());
    }

    [Fact]
    public async Task A_token_created_while_central_runs_works_at_once_and_stops_at_once_when_revoked()
    {
        await using var central = await CentralHost.StartAsync();
        using var output = new StringWriter();
        using var error = new StringWriter();
        Assert.Equal(0, await TokenCommand.RunAsync(["token", "create", "--name", "late", "--role", "viewer", "--json", $"--Central:DataPath={central.DataPath}"], output, error));
        var token = JsonDocument.Parse(output.ToString()).RootElement.GetProperty("token").GetString();
        using var client = central.NewClient(token);

        using (var before = await client.GetAsync(new Uri("/api/v1/stats", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        Assert.Equal(0, await TokenCommand.RunAsync(["token", "revoke", "late", $"--Central:DataPath={central.DataPath}"], output, error));
        using var after = await client.GetAsync(new Uri("/api/v1/stats", UriKind.Relative));
        await AssertUnauthorizedAsync(after, "revoked", invalidToken: true);
    }

    private static async Task AssertUnauthorizedAsync(HttpResponseMessage response, string what, bool invalidToken)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{what}: {(int)response.StatusCode} {body}");
        var challenge = Assert.Single(response.Headers.WwwAuthenticate);
        Assert.Equal("Bearer", challenge.Scheme);
        Assert.Equal(invalidToken, challenge.Parameter?.Contains("error=\"invalid_token\"", StringComparison.Ordinal) ?? false);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Authorization: Bearer", JsonDocument.Parse(body).RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
    }
}
