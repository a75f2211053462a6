from uuid import uuid4

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops

from models.accounts import Role


class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='Account',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('name', fields.CharField(max_length=200)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'accounts', 'app': 'portal', 'pk_attr': 'id', 'table_description': 'One customer organisation. Its id is a UUID so it cannot be guessed.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='IssuedToken',
            fields=[
                ('jti', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                ('client_id', fields.CharField(db_index=True, max_length=64)),
                ('subject', fields.CharField(max_length=255)),
                ('scope', fields.CharField(max_length=500)),
                ('issued_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'issued_tokens', 'app': 'portal', 'pk_attr': 'jti', 'table_description': 'One access token issued by the embedded issuer, kept for revocation and'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Member',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('account', fields.ForeignKeyField('portal.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='members', on_delete=OnDelete.CASCADE)),
                ('subject', fields.CharField(db_index=True, max_length=255)),
                ('role', fields.CharEnumField(description='OWNER: OWNER\nBILLING_ADMIN: BILLING_ADMIN\nVIEWER: VIEWER', enum_type=Role, max_length=20)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'members', 'app': 'portal', 'unique_together': (('account', 'subject'),), 'pk_attr': 'id', 'table_description': 'An OAuth subject with a role on an account.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='OAuthClient',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('client_id', fields.CharField(unique=True, max_length=64)),
                ('secret_hash', fields.CharField(max_length=255)),
                ('name', fields.CharField(max_length=200)),
                ('account', fields.ForeignKeyField('portal.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='oauth_clients', on_delete=OnDelete.CASCADE)),
                ('scopes', fields.CharField(max_length=500)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('disabled_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'oauth_clients', 'app': 'portal', 'pk_attr': 'id', 'table_description': 'A confidential client (a partner system) that belongs to one account.'},
            bases=['Model'],
        ),
    ]
