using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace City.Central.Auth;

/// <summary>
/// <c>Authorization: Bearer TOKEN</c> against the token file. No token or an unknown one: 401 with
/// <c>WWW-Authenticate: Bearer</c>; a role too low for the endpoint's policy: 403; both with a JSON error body, counted
/// and logged by <see cref="ApiRefusals"/>.
/// </summary>
internal sealed class BearerTokenHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    TokenStore tokens,
    ApiRefusals refusals)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    public const string SchemeName = "Bearer";

    private const string RefusalKey = "city.auth.refusal";
    private const string InvalidTokenKey = "city.auth.invalid-token";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (string.IsNullOrEmpty(header))
        {
            Context.Items[RefusalKey] = "no token";
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var space = header.IndexOf(' ', StringComparison.Ordinal);
        var scheme = space < 0 ? header : header[..space];
        if (!scheme.Equals(SchemeName, StringComparison.OrdinalIgnoreCase))
        {
            Context.Items[RefusalKey] = "not a bearer token";
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var token = space < 0 ? string.Empty : header[(space + 1)..].Trim();
        var record = token.Length == 0 ? null : tokens.Authenticate(token);
        if (record is null)
        {
            Context.Items[RefusalKey] = tokens.Problem is { } problem ? $"the token file cannot be read: {problem}" : "unknown or revoked token";
            Context.Items[InvalidTokenKey] = true;
            return Task.FromResult(AuthenticateResult.Fail("unknown or revoked token"));
        }

        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, record.Name), new Claim(ClaimTypes.Role, TokenStore.RoleName(record.Role))],
            SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var why = Context.Items[RefusalKey] as string ?? "not authenticated";
        refusals.RefusedUnauthenticated(why, Remote(), RequestLine());
        // RFC 6750: a request without a bearer token gets the bare challenge, a bad token error="invalid_token".
        Response.Headers.WWWAuthenticate = Context.Items.ContainsKey(InvalidTokenKey) ? "Bearer realm=\"central\", error=\"invalid_token\"" : "Bearer realm=\"central\"";
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        await Response.WriteAsJsonAsync(Problem(StatusCodes.Status401Unauthorized, "Unauthorized", $"{why}: every /api/v1 request needs Authorization: Bearer TOKEN (central token create)")).ConfigureAwait(false);
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        var name = Context.User.Identity?.Name ?? "?";
        var role = Context.User.FindFirstValue(ClaimTypes.Role) ?? "?";
        var needed = TokenStore.RoleName(Context.GetEndpoint()?.Metadata.GetOrderedMetadata<IAuthorizeData>()
            .Select(a => a.Policy is { } policy && TokenStore.TryParseRole(policy, out var least) ? least : ApiRole.Viewer)
            .DefaultIfEmpty(ApiRole.Viewer).Max() ?? ApiRole.Viewer);
        refusals.RefusedForbidden(name, role, needed, Remote(), RequestLine());
        Response.StatusCode = StatusCodes.Status403Forbidden;
        await Response.WriteAsJsonAsync(Problem(StatusCodes.Status403Forbidden, "Forbidden", $"token '{name}' has role {role}; {RequestLine()} needs {needed}")).ConfigureAwait(false);
    }

    /// <summary>The API's error shape (Api's ErrorResponse, which this folder does not name): RFC 9457 members, error, errors.</summary>
    private static Dictionary<string, object> Problem(int status, string title, string message) => new(StringComparer.Ordinal)
    {
        ["type"] = "about:blank",
        ["title"] = title,
        ["status"] = status,
        ["detail"] = message,
        ["error"] = message,
        ["errors"] = new[] { message },
    };

    private string Remote() => Context.Connection.RemoteIpAddress?.ToString() ?? "?";

    private string RequestLine() => $"{Request.Method} {Request.Path}";
}

/// <summary>The API's authentication scheme and one authorization policy per role (a role passes the policies of the roles below it).</summary>
internal static class ApiAuthorization
{
    public const string Viewer = "viewer";
    public const string Operator = "operator";
    public const string Admin = "admin";

    public static IServiceCollection AddApiTokens(this IServiceCollection services)
    {
        services.AddAuthentication(BearerTokenHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, BearerTokenHandler>(BearerTokenHandler.SchemeName, configureOptions: null);
        services.AddAuthorizationBuilder()
            .AddPolicy(Viewer, p => RequireRole(p, ApiRole.Viewer))
            .AddPolicy(Operator, p => RequireRole(p, ApiRole.Operator))
            .AddPolicy(Admin, p => RequireRole(p, ApiRole.Admin))

            // An endpoint that says nothing needs a viewer token; only what is marked AllowAnonymous (/healthz) is open.
            .SetFallbackPolicy(new AuthorizationPolicyBuilder(BearerTokenHandler.SchemeName).RequireAuthenticatedUser().Build());
        return services;
    }

    /// <summary>The role the request's token holds (0 when none).</summary>
    public static ApiRole RoleOf(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return user.FindFirstValue(ClaimTypes.Role) is { } role && TokenStore.TryParseRole(role, out var parsed) ? parsed : 0;
    }

    private static void RequireRole(AuthorizationPolicyBuilder policy, ApiRole least) =>
        policy.AddAuthenticationSchemes(BearerTokenHandler.SchemeName)
            .RequireAuthenticatedUser()
            .RequireAssertion(context => RoleOf(context.User) >= least);
}
