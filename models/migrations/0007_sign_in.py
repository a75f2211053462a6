from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('portal', '0006_billing_failures')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AuthorizationCode',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('code_hash', fields.CharField(unique=True, max_length=64)),
                ('client_id', fields.CharField(max_length=64)),
                ('subject', fields.CharField(max_length=255)),
                ('redirect_uri', fields.CharField(max_length=2000)),
                ('scope', fields.CharField(max_length=500)),
                ('code_challenge', fields.CharField(max_length=128)),
                ('code_challenge_method', fields.CharField(max_length=10)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'authorization_codes', 'app': 'portal', 'pk_attr': 'id', 'table_description': 'An authorization code (RFC 6749 4.1) with its PKCE challenge (RFC 7636, S256).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='RefreshToken',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('family', fields.UUIDField(db_index=True)),
                ('client_id', fields.CharField(max_length=64)),
                ('subject', fields.CharField(db_index=True, max_length=255)),
                ('scope', fields.CharField(max_length=500)),
                ('family_started_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('issued_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'refresh_tokens', 'app': 'portal', 'pk_attr': 'id', 'table_description': 'One refresh token of a rotation family (RFC 9700 4.14.2).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='User',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('subject', fields.CharField(unique=True, max_length=255)),
                ('email', fields.CharField(max_length=254)),
                ('password_hash', fields.CharField(max_length=255)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('password_changed_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('disabled_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'users', 'app': 'portal', 'pk_attr': 'id', 'table_description': 'A person with a password on the embedded issuer. ``subject`` is the ``sub``'},
            bases=['Model'],
        ),
        ops.AlterModelOptions(
            name='OAuthClient',
            options={'table': 'oauth_clients', 'app': 'portal', 'pk_attr': 'id', 'table_description': 'A client of the embedded authorization server.'},
        ),
        ops.AlterField(
            model_name='OAuthClient',
            name='account',
            field=fields.ForeignKeyField('portal.Account', source_field='account_id', null=True, db_constraint=True, to_field='id', related_name='oauth_clients', on_delete=OnDelete.CASCADE),
        ),
        ops.AlterField(
            model_name='OAuthClient',
            name='secret_hash',
            field=fields.CharField(null=True, max_length=255),
        ),
        ops.AddField(
            model_name='OAuthClient',
            name='is_public',
            field=fields.BooleanField(default=False),
        ),
        ops.AddField(
            model_name='OAuthClient',
            name='redirect_uris',
            field=fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
    ]
